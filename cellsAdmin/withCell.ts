import type { CellAccess, CellClient } from './types';

/** Opens the cell database at `url`, runs `fn`, and releases the client whatever happens. */
export async function withCell<T>(access: CellAccess, url: string, fn: (cell: CellClient) => Promise<T>): Promise<T> {
  const client = await access.openCell(url);
  try {
    return await fn(client);
  } finally {
    await (access.releaseCell ?? ((c: CellClient) => c.$disconnect()))(client);
  }
}
