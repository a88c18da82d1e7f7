import { readDeploymentConfig } from '../../../deployment/config';
import { childSpecs } from '../../../deployment/processes';
import { CELL_SEMI_SPACE_MB } from '../../../deployment/serverProcess';
import { defaultTopology } from '../../../deployment/topology';

describe('the default deployment layout', () => {
  const config = readDeploymentConfig({});

  it('puts cell n in database cells_celln, vhost cells_celln and port 4010 + n, with cell0 queue-less', () => {
    expect(defaultTopology(config)).toEqual([
      {
        name: 'cell0',
        databaseUrl: 'postgresql://postgres@127.0.0.1:5432/cells_cell0',
        transportUrl: 'none:///',
        graphqlUrl: 'http://127.0.0.1:4010/graphql',
        hosts: [],
      },
      {
        name: 'cell1',
        databaseUrl: 'postgresql://postgres@127.0.0.1:5432/cells_cell1',
        transportUrl: 'amqp://guest:guest@127.0.0.1:5672/cells_cell1',
        graphqlUrl: 'http://127.0.0.1:4011/graphql',
        hosts: ['compute1', 'compute2'],
      },
      {
        name: 'cell2',
        databaseUrl: 'postgresql://postgres@127.0.0.1:5432/cells_cell2',
        transportUrl: 'amqp://guest:guest@127.0.0.1:5672/cells_cell2',
        graphqlUrl: 'http://127.0.0.1:4012/graphql',
        hosts: ['compute3', 'compute4'],
      },
    ]);
  });

  it('runs the global subgraph, a subgraph per cell, an agent per cell with hosts, and the gateway last', () => {
    const specs = childSpecs(config, defaultTopology(config));
    // The cell subgraphs run with their own, smaller young generation (serverProcess.ts).
    expect(specs.map((s) => [s.name, s.entry, s.args.join(' '), s.ports, s.semiSpaceMb])).toEqual([
      ['global', 'subgraphs/global/main.ts', '', [4001], undefined],
      ['cell0', 'subgraphs/cell/main.ts', '--cell cell0', [4010], CELL_SEMI_SPACE_MB],
      ['cell1', 'subgraphs/cell/main.ts', '--cell cell1', [4011], CELL_SEMI_SPACE_MB],
      ['cell2', 'subgraphs/cell/main.ts', '--cell cell2', [4012], CELL_SEMI_SPACE_MB],
      ['compute-cell1', 'compute/main.ts', '--cell cell1', undefined, undefined],
      ['compute-cell2', 'compute/main.ts', '--cell cell2', undefined, undefined],
      ['gateway', 'gateway/main.ts', '', [4000], undefined],
    ]);
    expect(specs.at(-1)!.env.CELLS_GLOBAL_URL).toBe('http://127.0.0.1:4001/graphql');
    expect(specs[1].healthUrls).toEqual(['http://127.0.0.1:4010/healthz']);
  });

  it('runs every cell subgraph in one process with CELLS_CELL_PROCESSES=one, ready when each cell answers', () => {
    const one = readDeploymentConfig({ CELLS_CELL_PROCESSES: 'one' });
    const specs = childSpecs(one, defaultTopology(one));
    expect(specs.map((s) => s.name)).toEqual(['global', 'cells', 'compute-cell1', 'compute-cell2', 'gateway']);
    expect(specs[1]).toMatchObject({
      entry: 'subgraphs/cell/main.ts',
      args: ['--cell', 'cell0', '--cell', 'cell1', '--cell', 'cell2'],
      semiSpaceMb: CELL_SEMI_SPACE_MB,
      url: 'http://127.0.0.1:4010/graphql, http://127.0.0.1:4011/graphql, http://127.0.0.1:4012/graphql',
      healthUrls: ['http://127.0.0.1:4010/healthz', 'http://127.0.0.1:4011/healthz', 'http://127.0.0.1:4012/healthz'],
      ports: [4010, 4011, 4012],
    });
    expect(() => readDeploymentConfig({ CELLS_CELL_PROCESSES: 'shared' })).toThrow(/CELLS_CELL_PROCESSES="shared"/);
  });

  it('follows the environment and names a bad variable', () => {
    const moved = readDeploymentConfig({ CELLS_CELL_PORT_BASE: '5010', CELLS_PG_URL: 'postgresql://u:p@db:6543' });
    expect(defaultTopology(moved)[2]).toMatchObject({
      databaseUrl: 'postgresql://u:p@db:6543/cells_cell2',
      graphqlUrl: 'http://127.0.0.1:5012/graphql',
    });
    expect(() => readDeploymentConfig({ CELLS_DEMO_INSTANCES_PER_CELL: 'many' })).toThrow(
      /CELLS_DEMO_INSTANCES_PER_CELL="many"/,
    );
  });
});
