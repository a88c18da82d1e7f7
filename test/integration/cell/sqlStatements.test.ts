import { startCellFixture, type CellFixture } from './support/cellFixture';
import { admin, gql } from './support/graphqlClient';
import { ALL_INSTANCE_FIELDS } from '../../../bench/queries';
import { seedInstance, seedNested } from './support/seed';

const PAGE = `query($first: Int) { instances(filter: { allProjects: true }, first: $first) { edges { cursor node { ${ALL_INSTANCE_FIELDS} } } pageInfo { hasNextPage } } }`;

describe('SQL statements per page', () => {
  let cell: CellFixture;

  beforeAll(async () => {
    cell = await startCellFixture('sqlcount');
    for (let i = 0; i < 200; i++) {
      const row = await seedInstance(cell.db, { projectId: `p${i % 4}` });
      await seedNested(cell.db, row.uuid);
    }
  });
  afterAll(() => cell.close());

  async function statementsFor(first: number): Promise<number> {
    cell.statements.length = 0;
    const answer: any = await gql(cell.subgraph.url, PAGE, { first }, admin());
    expect(answer.errors).toBeUndefined();
    expect(answer.data.instances.edges).toHaveLength(first);
    expect(answer.data.instances.edges.every((edge: any) => edge.node.actions[0].events.length === 1)).toBe(true);
    return cell.statements.length;
  }

  it('is the same for 10 and for 200 instances with every nested field', async () => {
    const small = await statementsFor(10);
    const large = await statementsFor(200);
    expect(large).toBe(small);
  });

  it('is one page query plus one per nested table', async () => {
    // page, metadata, system metadata, info cache, extra, faults, actions, events, BDMs, VIFs, PCI devices
    expect(await statementsFor(50)).toBe(11);
  });

  it('loads nested lists selected through fragments before the page resolves, one statement each', async () => {
    const plain = `{ instances(filter: { allProjects: true }, first: 20) { edges { node { uuid metadata { key value } fault { code } } } } }`;
    const fragments = `query { instances(filter: { allProjects: true }, first: 20) { ...Page } }
      fragment Page on InstanceConnection { edges { ... on InstanceEdge { node { uuid ...Nested } } } }
      fragment Nested on Instance { metadata { key value } ... on Instance { fault { code } } }`;
    cell.statements.length = 0;
    const expected: any = await gql(cell.subgraph.url, plain, {}, admin());
    expect(cell.statements).toHaveLength(3); // page, metadata, faults
    cell.statements.length = 0;
    const answer: any = await gql(cell.subgraph.url, fragments, {}, admin());
    expect(cell.statements).toHaveLength(3);
    expect(answer).toEqual(expected);
    expect(answer.data.instances.edges.every((e: any) => e.node.metadata.length > 0 && e.node.fault?.code)).toBe(true);
  });

  it('is one statement for a page without nested fields', async () => {
    cell.statements.length = 0;
    await gql(
      cell.subgraph.url,
      `{ instances(filter: { allProjects: true }, first: 100) { edges { node { uuid status flavor { id } } } } }`,
      {},
      admin(),
    );
    expect(cell.statements).toHaveLength(1);
  });
});
