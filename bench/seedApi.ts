import { bulkInsert } from './bulkInsert';
import { withClient } from './pgClient';
import { BENCH_FLAVORS, type BenchFlavor, type BenchInstance } from './rows';

/** Writes the bench flavors (fixed ids, which the cell rows reference) into an API database. */
export async function seedFlavors(apiUrl: string): Promise<void> {
  await withClient(apiUrl, async (client) => {
    await bulkInsert<BenchFlavor>(
      client,
      'instance_types',
      [
        { name: 'id', type: 'int', value: (f) => f.id },
        { name: 'name', type: 'varchar', value: (f) => f.name },
        { name: 'flavorid', type: 'varchar', value: (f) => String(f.id) },
        { name: 'vcpus', type: 'int', value: (f) => f.vcpus },
        { name: 'memory_mb', type: 'int', value: (f) => f.memoryMb },
        { name: 'root_gb', type: 'int', value: (f) => f.rootGb },
      ],
      BENCH_FLAVORS,
    );
    await client.query(
      `SELECT setval(pg_get_serial_sequence('instance_types', 'id'), (SELECT max(id) FROM instance_types))`,
    );
  });
}

/** Maps every row to the cell with mapping id `cellId` (bulk, one transaction), then ANALYZE. */
export async function seedMappings(apiUrl: string, cellId: number, rows: readonly BenchInstance[]): Promise<void> {
  await withClient(apiUrl, async (client) => {
    await client.query('BEGIN');
    await bulkInsert<BenchInstance>(
      client,
      'instance_mappings',
      [
        { name: 'instance_uuid', type: 'varchar', value: (r) => r.uuid },
        { name: 'cell_id', type: 'int', value: () => cellId },
        { name: 'project_id', type: 'varchar', value: (r) => r.projectId },
        { name: 'user_id', type: 'varchar', value: (r) => r.userId },
        { name: 'created_at', type: 'timestamp', value: (r) => r.createdAt },
      ],
      rows,
    );
    await client.query('COMMIT');
    await client.query('ANALYZE instance_mappings');
  });
}
