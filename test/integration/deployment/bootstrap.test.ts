import { randomBytes } from 'node:crypto';
import { bootstrap, type BootstrapConfig } from '../../../deployment/bootstrap';
import { defaultTopology } from '../../../deployment/topology';
import { vhostOf } from '../../../deployment/rabbitVhosts';
import { withDatabase } from '../../../prisma/databaseUrl';
import { dropDatabase } from '../../../prisma/databases';
import { rabbitmqctl } from '../../helpers/rabbit';
import { TEST_PREFIX, testServices } from '../../helpers/services';
import { queryRows, tableChecksums } from './tableChecksums';

// The default topology, but on throw-away databases and vhosts named for this run.
function throwAwayConfig(): BootstrapConfig {
  const tag = `${TEST_PREFIX}${process.pid}_boot_${randomBytes(3).toString('hex')}`;
  const cells = defaultTopology({
    pgUrl: testServices.pgUrl,
    amqpUrl: testServices.amqpUrl,
    host: '127.0.0.1',
    cellPortBase: 14010,
  }).map((cell) => ({
    ...cell,
    databaseUrl: withDatabase(testServices.pgUrl, `${tag}_${cell.name}`),
    transportUrl: cell.transportUrl === 'none:///' ? cell.transportUrl : `${testServices.amqpUrl}/${tag}_${cell.name}`,
  }));
  return {
    apiDatabaseUrl: withDatabase(testServices.pgUrl, `${tag}_api`),
    cells,
    rabbitmqctl: testServices.rabbitmqctl,
    seed: true,
    demoInstancesPerCell: 150,
  };
}

describe('bootstrapping the default deployment', () => {
  const config = throwAwayConfig();
  const allDatabases = [config.apiDatabaseUrl, ...config.cells.map((c) => c.databaseUrl)];
  let first: Awaited<ReturnType<typeof bootstrap>>;

  beforeAll(async () => {
    first = await bootstrap(config);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(allDatabases.map(dropDatabase));
    for (const cell of config.cells.filter((c) => c.transportUrl !== 'none:///'))
      await rabbitmqctl('delete_vhost', vhostOf(cell.transportUrl).vhost).catch(() => undefined);
  });

  it('creates and migrates every database, the vhosts, the cells and the hosts on a fresh machine', async () => {
    expect(first.databasesCreated).toHaveLength(4);
    expect(Object.values(first.migrationsApplied).every((applied) => applied.length > 0)).toBe(true);
    expect(first.vhostsCreated).toHaveLength(2);
    expect(first.cellsCreated).toEqual(['cell0', 'cell1', 'cell2']);
    expect(first.hostsMapped.map((h) => `${h.cellName}:${h.host}`)).toEqual([
      'cell1:compute1',
      'cell1:compute2',
      'cell2:compute3',
      'cell2:compute4',
    ]);
    const vhosts = await rabbitmqctl('list_vhosts', 'name');
    for (const cell of config.cells.slice(1)) expect(vhosts).toContain(vhostOf(cell.transportUrl).vhost);
    const cells = await queryRows<{ name: string; graphql_url: string; transport_url: string }>(
      config.apiDatabaseUrl,
      'SELECT name, graphql_url, transport_url FROM cell_mappings ORDER BY name',
    );
    expect(cells.map((c) => [c.name, c.graphql_url])).toEqual([
      ['cell0', 'http://127.0.0.1:14010/graphql'],
      ['cell1', 'http://127.0.0.1:14011/graphql'],
      ['cell2', 'http://127.0.0.1:14012/graphql'],
    ]);
    expect(cells[0].transport_url).toBe('none:///');
  });

  it('seeds a few hundred instances across cell1 and cell2, and a couple of ERROR ones in cell0', async () => {
    expect(first.seed?.instancesWritten).toEqual({ cell0: 2, cell1: 150, cell2: 150 });
    const cell0 = await queryRows<{ vm_state: string; faults: string }>(
      config.cells[0].databaseUrl,
      'SELECT vm_state, (SELECT count(*) FROM instance_faults f WHERE f.instance_uuid = i.uuid) AS faults FROM instances i',
    );
    expect(cell0).toEqual([
      { vm_state: 'error', faults: '1' },
      { vm_state: 'error', faults: '1' },
    ]);
    const states = await queryRows<{ vm_state: string }>(
      config.cells[1].databaseUrl,
      'SELECT DISTINCT vm_state FROM instances ORDER BY 1',
    );
    expect(states.map((s) => s.vm_state)).toEqual(
      expect.arrayContaining(['active', 'stopped', 'error', 'building', 'deleted']),
    );
  });

  it('maps every seeded instance to the cell that holds it, deleted ones queued for delete', async () => {
    const mappings = await queryRows<{ instance_uuid: string; name: string; queued_for_delete: boolean }>(
      config.apiDatabaseUrl,
      'SELECT m.instance_uuid, c.name, m.queued_for_delete FROM instance_mappings m JOIN cell_mappings c ON c.id = m.cell_id',
    );
    const byUuid = new Map(mappings.map((m) => [m.instance_uuid, m]));
    let instances = 0;
    for (const cell of config.cells) {
      const rows = await queryRows<{ uuid: string; deleted: number }>(
        cell.databaseUrl,
        'SELECT uuid, deleted FROM instances',
      );
      instances += rows.length;
      for (const row of rows) {
        expect(byUuid.get(row.uuid)).toEqual({
          instance_uuid: row.uuid,
          name: cell.name,
          queued_for_delete: row.deleted !== 0,
        });
      }
    }
    expect(mappings).toHaveLength(instances);
  });

  it('gives every seeded cell1/cell2 instance the flavor its sizes came from', async () => {
    const flavors = await queryRows<{ id: number; vcpus: number; memory_mb: number }>(
      config.apiDatabaseUrl,
      'SELECT id, vcpus, memory_mb FROM instance_types',
    );
    const byId = new Map(flavors.map((f) => [f.id, f]));
    for (const cell of config.cells.slice(1)) {
      const rows = await queryRows<{ instance_type_id: number | null; vcpus: number; memory_mb: number }>(
        cell.databaseUrl,
        'SELECT instance_type_id, vcpus, memory_mb FROM instances',
      );
      for (const row of rows) {
        expect(byId.get(row.instance_type_id!)).toMatchObject({ vcpus: row.vcpus, memory_mb: row.memory_mb });
      }
    }
  });

  it("records quota usages equal to the live instances, cores and RAM of each project and user (cell0's as instances only)", async () => {
    const live: Record<string, number> = {};
    for (const cell of config.cells) {
      // cell0 holds servers no host took: they count no cores or RAM.
      const sizes = cell.name === 'cell0' ? '0 AS cores, 0 AS ram' : 'sum(vcpus) AS cores, sum(memory_mb) AS ram';
      const rows = await queryRows<{ project_id: string; user_id: string; n: string; cores: string; ram: string }>(
        cell.databaseUrl,
        `SELECT project_id, user_id, count(*) AS n, ${sizes} FROM instances WHERE deleted = 0 GROUP BY 1, 2`,
      );
      for (const r of rows) {
        for (const [resource, value] of [
          ['instances', r.n],
          ['cores', r.cores],
          ['ram', r.ram],
        ] as const) {
          const key = `${r.project_id}/${r.user_id}/${resource}`;
          live[key] = (live[key] ?? 0) + Number(value);
        }
      }
    }
    const usages = await queryRows<{
      project_id: string;
      user_id: string;
      resource: string;
      in_use: number;
      reserved: number;
    }>(
      config.apiDatabaseUrl,
      'SELECT project_id, user_id, resource, in_use, reserved FROM quota_usages WHERE deleted = 0',
    );
    expect(Object.fromEntries(usages.map((u) => [`${u.project_id}/${u.user_id}/${u.resource}`, u.in_use]))).toEqual(
      live,
    );
    expect(usages.every((u) => u.reserved === 0)).toBe(true);
    const limits = await queryRows<{ project_id: string; resource: string; hard_limit: number }>(
      config.apiDatabaseUrl,
      'SELECT project_id, resource, hard_limit FROM quotas',
    );
    for (const limit of limits.filter((l) => l.hard_limit >= 0)) {
      const used = usages
        .filter((u) => u.project_id === limit.project_id && u.resource === limit.resource)
        .reduce((sum, u) => sum + u.in_use, 0);
      expect(used).toBeLessThan(limit.hard_limit);
    }
  });

  it('seeds the catalogue: flavors with extra specs and private access, key pairs, security groups, the default quota class', async () => {
    const count = async (sql: string) => Number((await queryRows<{ n: string }>(config.apiDatabaseUrl, sql))[0].n);
    expect(await count("SELECT count(*) AS n FROM instance_types WHERE name LIKE 'm1.%'")).toBe(5);
    expect(await count('SELECT count(*) AS n FROM instance_types WHERE NOT is_public')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM instance_type_projects')).toBe(2);
    expect(await count('SELECT count(DISTINCT instance_type_id) AS n FROM instance_type_extra_specs')).toBe(6);
    expect(await count('SELECT count(*) AS n FROM key_pairs')).toBe(4);
    expect(await count("SELECT count(*) AS n FROM security_groups WHERE name = 'default'")).toBe(3);
    expect(await count("SELECT count(*) AS n FROM quota_classes WHERE class_name = 'default'")).toBeGreaterThan(5);
    const allocated = await queryRows<{ n: string }>(
      config.cells[1].databaseUrl,
      "SELECT count(*) AS n FROM pci_devices WHERE status = 'allocated' AND instance_uuid IS NOT NULL",
    );
    expect(Number(allocated[0].n)).toBeGreaterThan(0);
  });

  it('changes nothing when run a second time', async () => {
    const before = await Promise.all(allDatabases.map(tableChecksums));
    const second = await bootstrap(config);
    const after = await Promise.all(allDatabases.map(tableChecksums));
    expect(after).toEqual(before);
    expect(second).toMatchObject({
      databasesCreated: [],
      vhostsCreated: [],
      cellsCreated: [],
      cellsUpdated: [],
      hostsRegistered: [],
      hostsMapped: [],
    });
    expect(second.seed?.instancesWritten).toEqual({ cell0: 0, cell1: 0, cell2: 0 });
    expect(Object.values(second.migrationsApplied).every((applied) => applied.length === 0)).toBe(true);
  }, 120_000);
});
