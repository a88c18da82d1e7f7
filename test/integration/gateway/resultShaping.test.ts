import { installResultShaping, resultShapingInstalled, type ResultShaping } from '../../../gateway/resultShaping';
import { createTestFlavors, seedInstances } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

/*
 * The gateway's compiled answer shaping against Apollo Gateway's own, over a real
 * deployment: every answer the same body, byte for byte, in each mode; clean answers
 * shaped by the compiled walk, the ones with errors and introspection by Apollo's, as
 * /metrics counts them. The mode is the process's, switched between requests here.
 */

const PAGE = `query Page($first: Int, $withHost: Boolean!) {
  instances(first: $first, filter: { allProjects: true }) {
    edges {
      cursor
      node {
        id: uuid
        uuid status displayName projectId
        host @include(if: $withHost)
        metadata { key value }
        flavor { name cpus: vcpus __typename }
        cell { name }
        ... on Instance { state: status flavor { name memoryMb } }
      }
    }
    pageInfo { hasNextPage endCursor }
    complete
    cells { cellName status message __typename }
  }
}`;

const OWN = `{ instances(first: 50) { edges { node { uuid flavor { name isPublic } } } complete } }`;
const INTROSPECTION = `{ __schema { queryType { name } } instances(first: 1) { complete } }`;
const BAD_FIELD_ARGUMENT = `{ instances(first: 5, after: "not-a-cursor") { edges { node { uuid } } complete } }`;

describe("the gateway's compiled answer shaping", () => {
  let topo: Topology;
  let admin: string;
  let demo: string;

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    const { small, secret } = await createTestFlavors(topo.api);
    for (const cell of topo.cells) {
      await seedInstances(cell, topo.api, { count: 30, projects: ['demo', 'other'], flavorId: small.id });
      // Private to no project: the demo user's own instances on it get a null flavor and an error.
      await seedInstances(cell, topo.api, { count: 2, projects: ['demo'], flavorId: secret.id });
    }
    admin = await topo.token('admin', { admin: true });
    demo = await topo.token('demo');
  });
  afterAll(async () => {
    installResultShaping('compiled');
    await topo?.stop();
  });

  async function shapingCounts(): Promise<Record<string, number>> {
    const metrics = await (
      await fetch(topo.gateway.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    const count = (path: string) =>
      Number(new RegExp(`^cells_gateway_result_shaping_total\\{path="${path}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    return { compiled: count('compiled'), apollo: count('apollo') };
  }

  /** The same request in each mode: both bodies, and which path shaped the compiled mode's. */
  async function both(query: string, variables: Record<string, unknown>, token: string) {
    const before = await shapingCounts();
    const compiled = await topo.query(query, variables, token);
    const after = await shapingCounts();
    installResultShaping('apollo' satisfies ResultShaping);
    try {
      const apollo = await topo.query(query, variables, token);
      return {
        compiled,
        apollo,
        path: after.compiled > before.compiled ? 'compiled' : after.apollo > before.apollo ? 'apollo' : 'none',
      };
    } finally {
      installResultShaping('compiled');
    }
  }

  it("is what Apollo Gateway's executor calls", () => {
    expect(resultShapingInstalled()).toBe(true);
  });

  it('shapes a clean page itself, with the same body Apollo gives', async () => {
    const { compiled, apollo, path } = await both(PAGE, { first: 40, withHost: true }, admin);
    expect(compiled.body.errors).toBeUndefined();
    expect(compiled.body.data.instances.edges).toHaveLength(40);
    expect(compiled.body.data.instances.edges[0].node).toMatchObject({
      id: expect.any(String),
      state: expect.any(String),
      flavor: { name: 'm1.small', cpus: 1, __typename: 'Flavor', memoryMb: 2048 },
      cell: { name: expect.stringMatching(/^cell[12]$/) },
    });
    expect(JSON.stringify(compiled.body)).toBe(JSON.stringify(apollo.body));
    expect(path).toBe('compiled');
    const skipped = await both(PAGE, { first: 3, withHost: false }, admin);
    expect(skipped.compiled.body.data.instances.edges[0].node).not.toHaveProperty('host');
    expect(JSON.stringify(skipped.compiled.body)).toBe(JSON.stringify(skipped.apollo.body));
    expect(skipped.path).toBe('compiled');
  });

  it('leaves a flavor the caller may not see to Apollo: the same nulls, the same body', async () => {
    // The look-up answers no such flavor, so the row's flavor holds only its key and its
    // non-null fields are missing: Apollo's walk makes it null and says so in the answer's
    // `extensions.valueCompletion`; the compiled one declines.
    const { compiled, apollo, path } = await both(OWN, {}, demo);
    const nulls = compiled.body.data.instances.edges.filter((e: any) => e.node.flavor === null);
    expect(nulls).toHaveLength(4);
    expect(compiled.body.extensions.valueCompletion).toHaveLength(4);
    expect(JSON.stringify(compiled.body)).toBe(JSON.stringify(apollo.body));
    expect(path).toBe('apollo');
  });

  it('leaves introspection to Apollo', async () => {
    const { compiled, apollo, path } = await both(INTROSPECTION, {}, admin);
    expect(compiled.body.data.__schema.queryType.name).toBe('Query');
    expect(JSON.stringify(compiled.body)).toBe(JSON.stringify(apollo.body));
    expect(path).toBe('apollo');
  });

  it('answers a refused argument and a cell down the same way in both modes', async () => {
    const bad = await both(BAD_FIELD_ARGUMENT, {}, admin);
    expect(bad.compiled.body.errors?.[0]?.extensions?.code).toBeDefined();
    expect(JSON.stringify(bad.compiled.body)).toBe(JSON.stringify(bad.apollo.body));
    await topo.cells[1].stop();
    try {
      const down = await both(PAGE, { first: 40, withHost: true }, admin);
      expect(down.compiled.body.data.instances.complete).toBe(false);
      expect(down.compiled.body.data.instances.cells).toContainEqual(
        expect.objectContaining({ cellName: 'cell2', status: 'UNAVAILABLE' }),
      );
      expect(JSON.stringify(down.compiled.body)).toBe(JSON.stringify(down.apollo.body));
    } finally {
      await topo.cells[1].start();
    }
    const again = await both(PAGE, { first: 40, withHost: true }, admin);
    expect(again.compiled.body.data.instances.complete).toBe(true);
    expect(again.path).toBe('compiled');
  });
});
