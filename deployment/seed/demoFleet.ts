import { DEMO_HOSTS, FLAVORS, IMAGES, USERS, type FlavorSpec, type Project } from './catalog';
import { prng, seededUuid, weighted } from './deterministic';
import { STATE_WEIGHTS, stateRow, type DemoState, type StateRow } from './instanceStates';

/** One demo instance, everything about it decided before anything is written. */
export interface PlannedInstance {
  uuid: string;
  cellName: string;
  index: number;
  project: Project;
  user: string;
  displayName: string;
  state: DemoState;
  row: StateRow;
  host: string | null;
  flavor: FlavorSpec;
  image: (typeof IMAGES)[number];
  createdAt: Date;
  /** Fault to record (error instances). */
  fault: { code: number; message: string } | null;
}

const BASE_TIME = Date.UTC(2026, 0, 5, 8, 0, 0);
const ROLES = ['web', 'db', 'cache', 'worker', 'api', 'batch', 'proxy', 'ci'];

/**
 * The demo fleet of `perCell` instances in each cell with hosts, plus two instances
 * buried in cell0 (no valid host). Deterministic: same input, same fleet.
 */
export function planDemoFleet(perCell: number): PlannedInstance[] {
  const fleet: PlannedInstance[] = [];
  for (const [cellNumber, [cellName, hosts]] of Object.entries(DEMO_HOSTS).entries()) {
    const draw = prng(1000 + cellNumber);
    for (let index = 0; index < perCell; index += 1) fleet.push(plan(cellName, hosts, index, draw, cellNumber));
  }
  const draw = prng(99);
  for (let index = 0; index < 2; index += 1) {
    const instance = plan('cell0', [], index, draw, 9);
    fleet.push({
      ...instance,
      state: 'error',
      row: { ...stateRow('error'), onHost: false },
      host: null,
      fault: NO_VALID_HOST,
    });
  }
  return fleet;
}

const NO_VALID_HOST = { code: 500, message: 'No valid host was found. There are not enough hosts available.' };

function plan(
  cellName: string,
  hosts: string[],
  index: number,
  draw: () => number,
  cellNumber: number,
): PlannedInstance {
  const project = weighted<Project>(draw(), [
    ['demo', 50],
    ['alt_demo', 33],
    ['admin', 17],
  ]);
  const users = USERS[project];
  const user = users[Math.floor(draw() * users.length)];
  const state = weighted(draw(), STATE_WEIGHTS);
  const row = stateRow(state);
  const allowed = FLAVORS.filter((flavor) => flavor.isPublic || flavor.projects?.includes(project));
  const flavor = weighted(
    draw(),
    allowed.map((f): [FlavorSpec, number] => [f, f.isPublic ? [25, 30, 25, 12, 6][FLAVORS.indexOf(f)] : 4]),
  );
  const image = IMAGES[Math.floor(draw() * IMAGES.length)];
  // Every tenth instance shares its creation time with the one before: sorts must tie-break on uuid.
  const slot = index % 10 === 9 ? index - 1 : index;
  const createdAt = new Date(BASE_TIME + cellNumber * 977_000 + slot * 8_000_000);
  const role = ROLES[Math.floor(draw() * ROLES.length)];
  return {
    uuid: seededUuid(`instance:${cellName}:${index}`),
    cellName,
    index,
    project,
    user,
    displayName: `${role}-${cellName}-${String(index).padStart(3, '0')}`,
    state,
    row,
    host: row.onHost && hosts.length > 0 ? hosts[index % hosts.length] : null,
    flavor,
    image,
    createdAt,
    fault:
      state === 'error' ? { code: 500, message: 'Build of instance aborted: Failure prepping block device.' } : null,
  };
}
