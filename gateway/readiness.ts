import type { Route } from '../infrastructure/httpServer';
import type { CellDirectory } from './cellRouter/cellDirectory';

/**
 * /readyz: 200 when the global subgraph answers (the gateway cannot route without the
 * mappings), 503 otherwise; lists every cell with the status of its last request and
 * its circuit (closed, open or half-open, since when, consecutive failures, next probe).
 * A down cell does not make the gateway unready: it answers partial lists.
 */
export function readinessRoute(directory: CellDirectory): Route {
  return async () => {
    const refreshed = await directory.refresh();
    const globalOk = refreshed.ok;
    const message = refreshed.ok ? undefined : refreshed.message;
    const cells = (await directory.all().catch(() => [])).map((entry) => ({
      uuid: entry.info.uuid,
      name: entry.info.name,
      disabled: entry.info.disabled,
      schema: entry.schema.phase,
      lastStatus: entry.lastStatus ?? null,
      circuit: entry.breaker.snapshot(),
    }));
    const body = {
      status: globalOk ? 'ready' : 'global subgraph unreachable',
      global: globalOk ? 'OK' : message,
      cells,
    };
    return { status: globalOk ? 200 : 503, contentType: 'application/json', body: JSON.stringify(body) };
  };
}
