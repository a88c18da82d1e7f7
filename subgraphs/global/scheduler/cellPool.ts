import { createCellClient, type CellClient } from '../../../prisma/clients';

/**
 * One pooled Prisma client per cell database, opened on first use and shared by every
 * request of this process (never one per request). Keyed by the mapping's database
 * connection, so a cell whose connection changes gets a fresh client.
 */
export class CellPool {
  private readonly clients = new Map<string, CellClient>();

  constructor(
    private readonly open: (databaseUrl: string) => CellClient = (url) =>
      createCellClient(url, { max: 2, connectionTimeoutMillis: 2000 }),
  ) {}

  client(databaseUrl: string): CellClient {
    let client = this.clients.get(databaseUrl);
    if (!client) {
      client = this.open(databaseUrl);
      this.clients.set(databaseUrl, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.$disconnect()));
  }
}
