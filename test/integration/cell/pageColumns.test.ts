import { getNamedType, isLeafType, isNonNullType, isObjectType, type GraphQLObjectType } from 'graphql';
import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql, TEST_SECRET } from './support/graphqlClient';
import { freePort, startChildServer } from '../../helpers/faults';
import { seedInstance, seedNested } from './support/seed';
import { createCellSchema } from '../../../subgraphs/cell/schema';
import { INSTANCE_FIELD_COLUMNS } from '../../../subgraphs/cell/instanceColumns';
import { camelRow } from '../../../infrastructure/camelRow';
import { encodeCursor, positionOf, SORT_FIELDS, type SortKey } from '../../../domain/instanceOrder';

// A list page reads only the columns its nodes ask for (subgraphs/cell/instanceColumns.ts).
// Every Instance field, alone on a page, must answer what the same field answers through
// _entities, whose loader reads whole rows: a field mapped to a wrong or missing column
// shows up as a difference, since every column of the seeded rows holds a value of its own.

const schema = createCellSchema();
const instanceType = schema.getType('Instance') as GraphQLObjectType;

// Every leaf of a type without required arguments, objects followed two levels down (actions { events { … } }).
function selectAll(type: GraphQLObjectType, depth: number): string {
  return Object.values(type.getFields())
    .filter((f) => f.args.every((a) => !isNonNullType(a.type)))
    .map((f) => {
      const named = getNamedType(f.type);
      if (isLeafType(named)) return f.name;
      if (isObjectType(named) && depth > 0) return `${f.name} { ${selectAll(named, depth - 1)} }`;
      return null;
    })
    .filter((s): s is string => s !== null)
    .join(' ');
}

function selection(field: string): string {
  const named = getNamedType(instanceType.getFields()[field].type);
  return isObjectType(named) ? `${field} { ${selectAll(named, 2)} }` : field;
}

const PAGE = `query($first: Int, $after: String, $sort: [InstanceSort!]) {
  instances(filter: { allProjects: true, deleted: true }, first: $first, after: $after, sort: $sort) {
    edges { cursor node { uuid %FIELDS% } } pageInfo { hasNextPage endCursor } } }`;
const page = (fields: string) => PAGE.replace('%FIELDS%', fields);

describe('a list page reads only the columns its fields need', () => {
  let cell: CellFixture;
  let uuids: string[];

  beforeAll(async () => {
    cell = await startCellFixture('columns');
    uuids = [];
    for (let i = 0; i < 4; i++) {
      const row = await seedInstance(cell.db, {
        projectId: `project-${i}`,
        userId: `user-${i}`,
        vmState: ['active', 'stopped', 'error', 'building'][i],
        taskState: ['rebooting', null, 'deleting', 'spawning'][i],
        powerState: i + 1,
        instanceTypeId: 10 + i,
        createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
      });
      uuids.push(row.uuid);
      await cell.db.instance.update({
        where: { uuid: row.uuid },
        data: {
          displayName: `name-${3 - i}`,
          displayDescription: `description-${i}`,
          hostname: `hostname-${i}`,
          host: `host-${i}`,
          node: `node-${i}`,
          memoryMb: 1000 + i,
          vcpus: 20 + i,
          rootGb: 30 + i,
          ephemeralGb: 40 + i,
          keyName: `key-${i}`,
          imageRef: `image-${i}`,
          availabilityZone: `zone-${i}`,
          launchIndex: 50 + i,
          reservationId: `reservation-${i}`,
          accessIpV4: `10.0.0.${i}`,
          accessIpV6: `fd00::${i}`,
          configDrive: `drive-${i}`,
          progress: 60 + i,
          locked: i % 2 === 0,
          lockedBy: i % 2 === 0 ? 'admin' : 'owner',
          updatedAt: new Date(Date.UTC(2026, 1, 1 + i)),
          launchedAt: new Date(Date.UTC(2026, 2, 4 - i)),
          terminatedAt: new Date(Date.UTC(2026, 3, 1 + i)),
          // One soft-deleted row, so `deleted` and `deletedAt` are seen both ways.
          ...(i === 3 ? { deleted: row.id, deletedAt: new Date(Date.UTC(2026, 4, 1)) } : {}),
          userData: `user-data-${i}`,
          keyData: `key-data-${i}`,
        },
      });
      await seedNested(cell.db, row.uuid);
    }
    // A row with every optional column empty.
    const bare = await seedInstance(cell.db, {
      displayName: null,
      taskState: null,
      host: null,
      updatedAt: null,
      launchedAt: null,
      instanceTypeId: null,
      createdAt: new Date(Date.UTC(2025, 0, 1)),
    });
    uuids.push(bare.uuid);
  });
  afterAll(() => cell.close());

  it('knows every field of the Instance type', () => {
    expect(Object.keys(instanceType.getFields()).sort()).toEqual(
      Object.keys(INSTANCE_FIELD_COLUMNS)
        .filter((f) => f !== '__typename')
        .sort(),
    );
  });

  it.each(Object.keys(instanceType.getFields()))('answers %s on a page as _entities does', async (field) => {
    cell.statements.length = 0;
    const listed = await gql(cell.subgraph.url, page(selection(field)), { first: 10 }, admin());
    expect(listed.errors).toBeUndefined();
    const statement = cell.statements.find((s) => s.includes('FROM instances'));
    expect(statement).toBeDefined();
    expect(statement).not.toContain('SELECT *');
    const entities = await gql(
      cell.subgraph.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instance { uuid ${selection(field)} } } }`,
      { r: uuids.map((uuid) => ({ __typename: 'Instance', uuid })) },
      admin(),
    );
    expect(entities.errors).toBeUndefined();
    const byUuid = new Map(entities.data!._entities.map((e: any) => [e.uuid, e]));
    const nodes = listed.data!.instances.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.uuid).sort()).toEqual([...uuids].sort());
    for (const node of nodes) expect(node).toEqual(byUuid.get(node.uuid));
    // Not vacuous: the field has a value on some row (nested lists and nulls included).
    expect(nodes.some((n: any) => n[field] !== null && n[field] !== undefined)).toBe(true);
  });

  it('reads just the columns of a dashboard page', async () => {
    cell.statements.length = 0;
    await gql(cell.subgraph.url, page('status displayName host flavor { id } createdAt'), { first: 2 }, admin());
    const statement = cell.statements.find((s) => s.includes('FROM instances'))!;
    const columns = /SELECT (.*?) FROM instances/.exec(statement)![1];
    expect(columns.split(', ').sort()).toEqual(
      [
        '"created_at"',
        '"display_name"',
        '"host"',
        '"id"',
        '"instance_type_id"',
        '"project_id"',
        '"task_state"',
        '"user_id"',
        '"uuid"',
        '"vm_state"',
      ].sort(),
    );
    expect(statement).not.toMatch(/user_data|key_data/);
  });

  it.each(Object.keys(SORT_FIELDS) as SortKey[])(
    'gives the cursors of whole rows and pages on under sort %s with only uuid selected',
    async (key) => {
      const sort = [{ key, direction: 'ASC' as const }];
      const rows = await cell.db.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM instances');
      const expected = new Map(rows.map((r) => [String(r.uuid), encodeCursor(positionOf(camelRow(r), sort), sort)]));
      const seen: string[] = [];
      let after: string | null = null;
      for (let round = 0; round < 5; round++) {
        const answer: any = await gql(cell.subgraph.url, page(''), { first: 2, after, sort }, admin());
        expect(answer.errors).toBeUndefined();
        for (const edge of answer.data.instances.edges) {
          expect(edge.cursor).toBe(expected.get(edge.node.uuid));
          seen.push(edge.node.uuid);
        }
        if (!answer.data.instances.pageInfo.hasNextPage) break;
        after = answer.data.instances.pageInfo.endCursor;
      }
      expect([...seen].sort()).toEqual([...uuids].sort());
    },
  );

  it("reads timestamps as UTC whatever the process's time zone", async () => {
    // The page's statement goes past Prisma (prisma/clients.ts readRows); pg alone would read a
    // `timestamp` in the process's zone. A cell subgraph of its own in New York reads this cell.
    const port = await freePort();
    const options = {
      cellUuid: cell.cellUuid,
      cellName: 'new-york',
      databaseUrl: cell.database.url,
      transportUrl: 'none:///',
      port,
      internalSecret: TEST_SECRET,
    };
    const child = await startChildServer(
      'test/integration/cell/support/cellProcess.ts',
      [JSON.stringify(options)],
      { TZ: 'America/New_York' },
      port,
    );
    try {
      const answer = await gql(child.url, page('createdAt launchedAt'), { first: 10 }, admin());
      expect(answer.errors).toBeUndefined();
      const first = answer.data!.instances.edges.find((e: any) => e.node.uuid === uuids[0]).node;
      expect(first).toEqual({
        uuid: uuids[0],
        createdAt: '2026-01-01T00:00:00.000Z',
        launchedAt: '2026-03-04T00:00:00.000Z',
      });
    } finally {
      await child.stop();
    }
  });

  it('answers a page of every field as _entities does', async () => {
    const all = Object.keys(instanceType.getFields()).map(selection).join(' ');
    const listed = await gql(cell.subgraph.url, page(all), { first: 10 }, admin());
    const entities = await gql(
      cell.subgraph.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instance { uuid ${all} } } }`,
      { r: uuids.map((uuid) => ({ __typename: 'Instance', uuid })) },
      admin(),
    );
    expect(listed.errors).toBeUndefined();
    expect(entities.errors).toBeUndefined();
    const byUuid = new Map(entities.data!._entities.map((e: any) => [e.uuid, e]));
    expect(listed.data!.instances.edges).toHaveLength(uuids.length);
    for (const edge of listed.data!.instances.edges) expect(edge.node).toEqual(byUuid.get(edge.node.uuid));
  });
});
