import { randomUUID } from 'node:crypto';
import { ADMIN, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const ENTITIES = `query ($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Instance { uuid cell { name } mapping { projectId } tags } }
}`;

describe('Instance entities resolved by the global subgraph', () => {
  let h: GlobalHarness;
  const uuids: string[] = [];

  beforeAll(async () => {
    h = await startGlobalHarness('instances');
    const cells = await Promise.all(
      ['cell1', 'cell2'].map((name) =>
        h.prisma.cellMapping.create({
          data: { uuid: randomUUID(), name, transportUrl: 'none:///', databaseConnection: 'postgresql://x' },
        }),
      ),
    );
    for (let i = 0; i < 50; i++) {
      const uuid = randomUUID();
      uuids.push(uuid);
      await h.prisma.instanceMapping.create({
        data: { instanceUuid: uuid, cellId: cells[i % 2].id, projectId: i < 40 ? 'p1' : 'p2' },
      });
    }
    await h.prisma.tag.createMany({
      data: [
        { resourceId: uuids[0], tag: 'web' },
        { resourceId: uuids[0], tag: 'blue' },
      ],
    });
  });
  afterAll(() => h.close());

  async function countFor(n: number): Promise<number> {
    h.statements.length = 0;
    const answer = await h.gql(ADMIN, ENTITIES, {
      reps: uuids.slice(0, n).map((uuid) => ({ __typename: 'Instance', uuid })),
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!._entities).toHaveLength(n);
    expect(answer.data!._entities.every((e: any) => e.cell.name.startsWith('cell'))).toBe(true);
    return h.statements.length;
  }

  it('costs the same number of SQL statements for 5 instances as for 50', async () => {
    const five = await countFor(5);
    const fifty = await countFor(50);
    expect(five).toBe(fifty);
    expect(fifty).toBeLessThanOrEqual(3);
  });

  it('answers the cell, the mapping and the tags of each instance', async () => {
    const answer = await h.gql(ADMIN, ENTITIES, {
      reps: [
        { __typename: 'Instance', uuid: uuids[0] },
        { __typename: 'Instance', uuid: uuids[1] },
      ],
    });
    expect(answer.data!._entities).toEqual([
      { uuid: uuids[0], cell: { name: 'cell1' }, mapping: { projectId: 'p1' }, tags: ['blue', 'web'] },
      { uuid: uuids[1], cell: { name: 'cell2' }, mapping: { projectId: 'p1' }, tags: [] },
    ]);
  });

  it('hides the cell and mapping of another project from a non-admin', async () => {
    const answer = await h.gql(user('p1'), ENTITIES, {
      reps: [
        { __typename: 'Instance', uuid: uuids[0] },
        { __typename: 'Instance', uuid: uuids[45] },
      ],
    });
    expect(answer.data!._entities).toEqual([
      { uuid: uuids[0], cell: { name: 'cell1' }, mapping: { projectId: 'p1' }, tags: ['blue', 'web'] },
      { uuid: uuids[45], cell: null, mapping: null, tags: [] },
    ]);
  });

  it('answers null cell and mapping for an instance no mapping knows', async () => {
    const stranger = randomUUID();
    const answer = await h.gql(ADMIN, ENTITIES, { reps: [{ __typename: 'Instance', uuid: stranger }] });
    expect(answer.data!._entities).toEqual([{ uuid: stranger, cell: null, mapping: null, tags: [] }]);
  });
});
