import { caseArbitrary } from '../../fuzz/generator';
import { describeReport, fuzz } from '../../fuzz/runner';
import { startFuzzWorld, type FuzzWorld } from '../../fuzz/world';

// Fixed in CI so a failure repeats; `npm run fuzz` picks a random one.
const SEED = 20261010;
const RUNS = 1200;

describe('the schema-driven fuzzer (admin and tenant, two cells with queues)', () => {
  let world: FuzzWorld;

  beforeAll(async () => {
    world = await startFuzzWorld();
  }, 120000);

  afterAll(async () => {
    await world?.stop();
  });

  it(`breaks no promise over ${RUNS} generated queries and mutations`, async () => {
    const report = await fuzz(world.target, caseArbitrary(world.schema, world.dictionary), {
      seed: SEED,
      runs: RUNS,
      shrinkMs: 5000,
    });
    expect(report.runs).toBe(RUNS);
    // The whole report (each kind with its shrunk counter-example) is the failure message.
    expect(report.failures.length === 0 ? 'no failures' : describeReport(report)).toBe('no failures');
  }, 170000);

  it('leaves every server up and answering', async () => {
    const answer = await world.topology.query(
      '{ instances(first: 1, filter: { allProjects: true }) { complete } flavors { name } }',
      {},
      world.target.tokens.admin,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { instances: { complete: true }, flavors: expect.any(Array) } });
  });
});
