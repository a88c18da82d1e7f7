import { randomBytes } from 'node:crypto';
import { withDatabase } from '../../prisma/databaseUrl';
import { dropDatabase, ensureDatabase } from '../../prisma/databases';
import { migrate, type DatabaseKind } from '../../prisma/migrate';
import { TEST_PREFIX, testServices } from './services';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A unique, migrated, throw-away database of `kind`; call drop() when done. */
export async function createTestDatabase(
  kind: DatabaseKind,
  label: string = kind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = `${TEST_PREFIX}${process.pid}_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(testServices.pgUrl, name);
  await ensureDatabase(url);
  if (options.migrate !== false) await migrate(url, kind);
  return { url, name, drop: () => dropDatabase(url) };
}
