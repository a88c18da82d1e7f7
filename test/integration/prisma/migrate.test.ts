import { mkdtempSync, mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { migrate, migrationsDir, MigrationDriftError, readMigrations } from '../../../prisma/migrate';

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function copyOfCellMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cells-migrations-'));
  cpSync(migrationsDir('cell'), dir, { recursive: true });
  return dir;
}

describe('the migrator', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('cell', 'migrator', { migrate: false });
  });
  afterEach(() => db.drop());

  it('applies every migration once and records it the way prisma migrate does', async () => {
    const first = await migrate(db.url, 'cell');
    const second = await migrate(db.url, 'cell');
    const files = readMigrations(migrationsDir('cell'));
    expect(first.applied).toEqual(files.map((f) => f.name));
    expect(second).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name) });
    const rows = await query<{
      migration_name: string;
      checksum: string;
      applied_steps_count: number;
      finished_at: Date | null;
    }>(
      db.url,
      'SELECT migration_name, checksum, applied_steps_count, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(
      files.map((f) => [f.name, f.checksum, 1]),
    );
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  it('is safe when several processes migrate at once', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(db.url, 'cell')));
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const rows = await query(db.url, 'SELECT * FROM _prisma_migrations');
    expect(rows).toHaveLength(readMigrations(migrationsDir('cell')).length);
  });

  it('refuses a migration that changed after it was applied, and applies nothing new', async () => {
    const dir = copyOfCellMigrations();
    await migrate(db.url, 'cell', dir);
    writeFileSync(path.join(dir, '0001_init', 'migration.sql'), '-- edited\nSELECT 1;');
    mkdirSync(path.join(dir, '9999_more'));
    writeFileSync(path.join(dir, '9999_more', 'migration.sql'), 'CREATE TABLE should_not_exist (id int);');
    await expect(migrate(db.url, 'cell', dir)).rejects.toThrow(MigrationDriftError);
    await expect(migrate(db.url, 'cell', dir)).rejects.toThrow(/0001_init was modified after it was applied/);
    const tables = await query(db.url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'should_not_exist'");
    expect(tables).toHaveLength(0);
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const dir = copyOfCellMigrations();
    mkdirSync(path.join(dir, '0002_broken'));
    writeFileSync(
      path.join(dir, '0002_broken', 'migration.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();',
    );
    await expect(migrate(db.url, 'cell', dir)).rejects.toThrow(/0002_broken failed/);
    const names = await query<{ migration_name: string }>(db.url, 'SELECT migration_name FROM _prisma_migrations');
    expect(names.map((n) => n.migration_name)).toEqual(['0001_init']);
    const tables = await query(db.url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(tables).toHaveLength(0);
  });
});
