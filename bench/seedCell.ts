import { randomBytes } from 'node:crypto';
import { bulkInsert, type Column } from './bulkInsert';
import { withClient } from './pgClient';
import type { BenchInstance } from './rows';

const IMAGE = '155d900f-4e14-4e4c-a73d-069cbf4541e6';
const ts = (offsetMs: number) => (r: BenchInstance) => new Date(r.createdAt.getTime() + offsetMs);

const INSTANCE_COLUMNS: Column<BenchInstance>[] = [
  { name: 'uuid', type: 'varchar', value: (r) => r.uuid },
  { name: 'project_id', type: 'varchar', value: (r) => r.projectId },
  { name: 'user_id', type: 'varchar', value: (r) => r.userId },
  { name: 'display_name', type: 'varchar', value: (r) => r.displayName },
  { name: 'hostname', type: 'varchar', value: (r) => r.displayName },
  { name: 'host', type: 'varchar', value: (r) => r.host },
  { name: 'node', type: 'varchar', value: (r) => r.host },
  { name: 'launched_on', type: 'text', value: (r) => r.host },
  { name: 'vm_state', type: 'varchar', value: (r) => r.vmState },
  { name: 'power_state', type: 'int', value: (r) => (r.vmState === 'active' ? 1 : 4) },
  { name: 'instance_type_id', type: 'int', value: (r) => r.flavor.id },
  { name: 'vcpus', type: 'int', value: (r) => r.flavor.vcpus },
  { name: 'memory_mb', type: 'int', value: (r) => r.flavor.memoryMb },
  { name: 'root_gb', type: 'int', value: (r) => r.flavor.rootGb },
  { name: 'ephemeral_gb', type: 'int', value: () => 0 },
  { name: 'image_ref', type: 'varchar', value: () => IMAGE },
  { name: 'key_name', type: 'varchar', value: () => 'bench-key' },
  { name: 'availability_zone', type: 'varchar', value: () => 'nova' },
  { name: 'access_ip_v4', type: 'varchar', value: (r) => r.accessIpV4 },
  { name: 'launch_index', type: 'int', value: () => 0 },
  { name: 'reservation_id', type: 'varchar', value: (r) => `r-${r.uuid.slice(0, 8)}` },
  { name: 'created_at', type: 'timestamp', value: (r) => r.createdAt },
  { name: 'launched_at', type: 'timestamp', value: ts(5000) },
  { name: 'updated_at', type: 'timestamp', value: ts(60000) },
];

const byInstance = (extra: Column<BenchInstance>[]): Column<BenchInstance>[] => [
  { name: 'instance_uuid', type: 'varchar', value: (r) => r.uuid },
  ...extra,
];

/** Rows of the tables that hang off an instance, one list per table. */
function childTables(
  rows: readonly BenchInstance[],
): { table: string; columns: Column<BenchInstance>[]; rows: readonly BenchInstance[] }[] {
  const meta = (key: string, value: (r: BenchInstance) => string) =>
    byInstance([
      { name: 'key', type: 'varchar', value: () => key },
      { name: 'value', type: 'varchar', value },
    ]);
  return [
    { table: 'instance_metadata', columns: meta('role', (r) => (r.flavor.vcpus > 2 ? 'db' : 'web')), rows },
    { table: 'instance_metadata', columns: meta('owner', (r) => r.userId), rows },
    { table: 'instance_system_metadata', columns: meta('image_base_image_ref', () => IMAGE), rows },
    {
      table: 'instance_info_caches',
      columns: byInstance([
        {
          name: 'network_info',
          type: 'text',
          value: (r) =>
            JSON.stringify([
              {
                id: r.uuid.slice(0, 8),
                address: 'fa:16:3e:00:00:01',
                network: { label: 'private', subnets: [{ ips: [{ address: r.accessIpV4 }] }] },
              },
            ]),
        },
      ]),
      rows,
    },
    {
      table: 'instance_extra',
      columns: byInstance([
        {
          name: 'flavor',
          type: 'text',
          value: (r) => JSON.stringify({ cur: { name: r.flavor.name, vcpus: r.flavor.vcpus } }),
        },
      ]),
      rows,
    },
    {
      table: 'instance_faults',
      columns: byInstance([
        { name: 'code', type: 'int', value: () => 500 },
        { name: 'message', type: 'varchar', value: () => 'No valid host was found.' },
        { name: 'host', type: 'varchar', value: (r) => r.host },
        { name: 'created_at', type: 'timestamp', value: ts(2000) },
      ]),
      rows: rows.filter((r) => r.faulted),
    },
    {
      table: 'instance_actions',
      columns: byInstance([
        { name: 'action', type: 'varchar', value: () => 'create' },
        { name: 'request_id', type: 'varchar', value: (r) => `req-${r.uuid}` },
        { name: 'user_id', type: 'varchar', value: (r) => r.userId },
        { name: 'project_id', type: 'varchar', value: (r) => r.projectId },
        { name: 'start_time', type: 'timestamp', value: (r) => r.createdAt },
        { name: 'finish_time', type: 'timestamp', value: ts(5000) },
      ]),
      rows,
    },
    {
      table: 'block_device_mapping',
      columns: byInstance([
        { name: 'source_type', type: 'varchar', value: () => 'image' },
        { name: 'destination_type', type: 'varchar', value: () => 'local' },
        { name: 'boot_index', type: 'int', value: () => 0 },
        { name: 'image_id', type: 'varchar', value: () => IMAGE },
        { name: 'delete_on_termination', type: 'boolean', value: () => true },
      ]),
      rows,
    },
    {
      table: 'virtual_interfaces',
      columns: byInstance([{ name: 'address', type: 'varchar', value: (r) => macOf(r.serial) }]),
      rows,
    },
  ];
}

/**
 * Loads `rows` into one cell database in one transaction: instances, two metadata
 * items, system metadata, info cache, extra, a fault on ERROR ones, a `create` action
 * with one event each, a block device and a port; then ANALYZE so the planner sees
 * the real sizes. Answers the milliseconds it took.
 */
export async function seedCell(
  url: string,
  rows: readonly BenchInstance[],
  options: { userDataBytes?: number } = {},
): Promise<number> {
  const columns = options.userDataBytes ? [...INSTANCE_COLUMNS, userData(options.userDataBytes)] : INSTANCE_COLUMNS;
  const started = performance.now();
  await withClient(url, async (client) => {
    try {
      await client.query('BEGIN');
      // The rows are consistent by construction; checking each child row's foreign key
      // against 100,000 instances written in the same transaction grows worse than linearly
      // (a cell of 100,000 took minutes per table). Replica mode skips those triggers.
      await client.query('SET LOCAL session_replication_role = replica');
      await bulkInsert(client, 'instances', columns, rows);
      for (const child of childTables(rows)) await bulkInsert(client, child.table, child.columns, child.rows);
      // Events need the actions' serial ids: derive them in SQL rather than read them back.
      await client.query(`INSERT INTO instance_actions_events (action_id, event, start_time, finish_time, result, host)
        SELECT a.id, 'compute__do_build_and_run_instance', a.start_time, a.finish_time, 'Success', i.host
        FROM instance_actions a JOIN instances i ON i.uuid = a.instance_uuid`);
      await client.query('COMMIT');
      await client.query('ANALYZE');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
  return performance.now() - started;
}

/**
 * `bytes` of base64 text per instance, as Nova keeps a server's user_data (cloud-init's
 * script, often gzipped): random, so PostgreSQL's TOAST cannot compress it away.
 */
function userData(bytes: number): Column<BenchInstance> {
  return {
    name: 'user_data',
    type: 'text',
    value: () =>
      randomBytes(Math.ceil(bytes * 0.75))
        .toString('base64')
        .slice(0, bytes),
  };
}

// Addresses are unique per cell (and across the fleet, for the one-big-cell setup).
function macOf(serial: number): string {
  const hex = serial.toString(16).padStart(6, '0').slice(-6);
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}
