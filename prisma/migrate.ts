import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/** The two database kinds Cells has: the global API database and a cell database. */
export type DatabaseKind = 'api' | 'cell';

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Thrown when the database holds a migration that differs from, or is missing in, the files. */
export class MigrationDriftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationDriftError';
  }
}

// The same key `prisma migrate deploy` takes, so our migrator and Prisma's exclude each other.
const ADVISORY_LOCK_KEY = 72707369;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** The folder holding a kind's migrations, in Prisma's layout. */
export function migrationsDir(kind: DatabaseKind): string {
  return path.join(__dirname, kind, 'migrations');
}

/** Reads `<dir>/<NNNN_name>/migration.sql` in name order, with Prisma's checksum (sha256 hex). */
export function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the pending migrations of `kind` to the database at `url`, each in its own
 * transaction, and records them in `_prisma_migrations` as `prisma migrate deploy`
 * would. Refuses (and applies nothing) when an applied migration's file changed or
 * disappeared. Safe when several processes run it at once: they take turns on an
 * advisory lock and the later ones find nothing to do.
 */
export async function migrate(url: string, kind: DatabaseKind, dir = migrationsDir(kind)): Promise<MigrateResult> {
  const files = readMigrations(dir);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const done = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map(done.rows.map((row) => [row.migration_name, row.checksum]));
    checkDrift(files, applied);
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      if (applied.has(file.name)) {
        result.alreadyApplied.push(file.name);
        continue;
      }
      await applyOne(client, file);
      result.applied.push(file.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

function checkDrift(files: MigrationFile[], applied: Map<string, string>): void {
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const [name, checksum] of applied) {
    const file = byName.get(name);
    if (!file) {
      throw new MigrationDriftError(
        `migration ${name} is applied in the database but missing from the migrations folder`,
      );
    }
    if (file.checksum !== checksum) {
      throw new MigrationDriftError(
        `migration ${name} was modified after it was applied (checksum in database ${checksum}, on disk ${file.checksum})`,
      );
    }
  }
}

async function applyOne(client: Client, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, file.checksum, file.name],
    );
    await client.query(file.sql);
    await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [
      id,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new Error(`migration ${file.name} failed: ${(err as Error).message}`);
  }
}
