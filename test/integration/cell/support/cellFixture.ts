import { randomUUID } from 'node:crypto';
import { createCellClient, type CellClient } from '../../../../prisma/clients';
import { startCellSubgraph, type RunningCellSubgraph } from '../../../../subgraphs/cell/server';
import { createTestDatabase, type TestDatabase } from '../../../helpers/databases';
import { TEST_SECRET } from './graphqlClient';

export interface CellFixture {
  cellUuid: string;
  database: TestDatabase;
  /** A separate client for seeding and checking, not counted in `statements`. */
  db: CellClient;
  subgraph: RunningCellSubgraph;
  /** SQL statements the subgraph sent, in order; reset it between measurements. */
  statements: string[];
  close(): Promise<void>;
}

/** A throw-away cell database and a cell subgraph on port 0 bound to it. */
export async function startCellFixture(
  label: string,
  options: { transportUrl?: string; publishTimeoutMs?: number; outboxRelayMs?: number; serviceDownTimeS?: number } = {},
): Promise<CellFixture> {
  const database = await createTestDatabase('cell', label);
  const statements: string[] = [];
  const cellUuid = randomUUID();
  const subgraph = await startCellSubgraph({
    cellUuid,
    cellName: label,
    databaseUrl: database.url,
    transportUrl: options.transportUrl ?? 'none:///',
    port: 0,
    internalSecret: TEST_SECRET,
    onQuery: (sql) => statements.push(sql),
    publishTimeoutMs: options.publishTimeoutMs ?? 3000,
    outboxRelayMs: options.outboxRelayMs,
    serviceDownTimeS: options.serviceDownTimeS,
  });
  const db = createCellClient(database.url);
  return {
    cellUuid,
    database,
    db,
    subgraph,
    statements,
    close: async () => {
      await subgraph.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}
