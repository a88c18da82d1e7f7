import { runCells } from '../../../cli/runCells';
import { seedInstances } from '../../helpers/instances';
import { startFixedAnswer } from '../../../bench/proxies';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = `query($filter: InstanceFilter) {
  instances(first: 100, filter: $filter) { edges { node { uuid } } complete cells { cellName status message } }
}`;

/** Runs a `cells` command in-process against the topology's API database. */
async function cells(topo: Topology, ...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runCells(argv, {
    env: { CELLS_API_DATABASE_URL: topo.apiDb.url },
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  });
  if (code !== 0) throw new Error(`cells ${argv.join(' ')} exited ${code}: ${err}`);
  return out;
}

/** Polls the list until `until` holds (the router refreshes its cell mappings on an interval). */
async function eventually(topo: Topology, token: string, until: (page: any) => boolean): Promise<any> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const page = (await topo.query(LIST, { filter: { allProjects: true } }, token)).body.data?.instances;
    if (page && until(page)) return page;
    if (Date.now() > deadline) throw new Error(`condition not met; last page: ${JSON.stringify(page?.cells)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cells that change while the gateway runs', () => {
  let topo: Topology;
  let admin: string;
  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1'], gateway: { cellRefreshMs: 200 } });
    await seedInstances(topo.cells[0], topo.api, { count: 3 });
    admin = await topo.token('admin', { admin: true });
  });
  afterAll(() => topo?.stop());

  it('lists a cell created with the cells command in the next lists, without a restart', async () => {
    const before = await eventually(topo, admin, () => true);
    expect(before.cells.map((c: any) => c.cellName)).toEqual(['cell1']);
    const cell2 = await topo.addCell('cell2', async (input) => {
      await cells(
        topo,
        'create-cell',
        '--name',
        input.name,
        '--database',
        input.databaseConnection,
        '--transport',
        input.transportUrl,
        '--graphql-url',
        input.graphqlUrl,
      );
      return (await topo.api.cellMapping.findFirstOrThrow({ where: { name: input.name } })).uuid;
    });
    await seedInstances(cell2, topo.api, { count: 2 });
    const after = await eventually(topo, admin, (page) => page.cells.length === 2);
    expect(after.cells.map((c: any) => c.cellName).sort()).toEqual(['cell1', 'cell2']);
    expect(after.edges).toHaveLength(5);
    expect(after.complete).toBe(true);
  });

  it('still lists the instances of a disabled cell', async () => {
    await cells(topo, 'disable-cell', '--cell', 'cell2');
    await topo.gateway.directory.refresh();
    const page = await eventually(topo, admin, () => true);
    expect(page.edges).toHaveLength(5);
    expect(page.cells.find((c: any) => c.cellName === 'cell2').status).toBe('OK');
    await cells(topo, 'enable-cell', '--cell', 'cell2');
  });

  it('reports a cell serving another schema and does not use it', async () => {
    const impostor = await startFixedAnswer({ data: { _service: { sdl: 'type Query { hello: String }' } } });
    try {
      await cells(
        topo,
        'create-cell',
        '--name',
        'impostor',
        '--database',
        'postgresql://postgres@127.0.0.1:5432/cells_t_impostor',
        '--transport',
        'none:///',
        '--graphql-url',
        impostor.url,
      );
      const page = await eventually(topo, admin, (p) => p.cells.some((c: any) => c.cellName === 'impostor'));
      expect(page.cells.find((c: any) => c.cellName === 'impostor')).toEqual({
        cellName: 'impostor',
        status: 'ERROR',
        message: 'cell serves a different schema than the supergraph expects',
      });
      expect(page.complete).toBe(false);
      expect(page.edges).toHaveLength(5);
    } finally {
      await cells(topo, 'delete-cell', '--cell', 'impostor', '--force');
      await impostor.close();
    }
  });

  it('forgets a deleted cell and closes its connections', async () => {
    const cell2 = topo.cells[1];
    const entry = await topo.gateway.directory.get(cell2.uuid);
    const closed = jest.spyOn(entry!.client, 'close');
    await cells(topo, 'delete-cell', '--cell', 'cell2', '--force');
    const page = await eventually(topo, admin, (p) => p.cells.length === 1);
    expect(page.cells.map((c: any) => c.cellName)).toEqual(['cell1']);
    expect(closed).toHaveBeenCalled();
  });
});
