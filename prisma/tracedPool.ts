import pg from 'pg';
import { failSpan, SpanKind, startSpan, traced } from '../infrastructure/tracing';

type QueryArgs = unknown[];
type Callback = (err: Error | undefined, result?: { rowCount?: number | null }) => void;

/**
 * A pg Pool whose statements are traced: one CLIENT span per statement (db.statement is
 * the SQL text with its $n placeholders, never the values), a child of the request that
 * sent it. Statements outside a traced request (background loops) cost one check.
 *
 * The span starts in `pool.query` itself, in the caller's async context: pg-pool hands a
 * queued query its client from the context of whoever released it, so a span started
 * inside the client would join another request's trace. A client taken with
 * `connect()` (Prisma's transactions) is traced on its promise-form queries only, which
 * keeps the pool's own callback-form dispatch from counting a statement twice.
 */
export class TracedPool extends pg.Pool {
  // pg's overloads do not survive an override; the arguments pass through untouched.
  override query = ((...args: QueryArgs) =>
    traceStatement(this.database(), args, (a) =>
      (super.query as (...x: QueryArgs) => unknown).apply(this, a),
    )) as pg.Pool['query'];

  override connect = ((callback?: unknown) => {
    if (callback) return (super.connect as (cb: unknown) => void).call(this, callback);
    return super.connect().then((client) => traceClient(client, this.database()));
  }) as pg.Pool['connect'];

  private name: string | undefined;

  // The database's name (db.name and the span name), read once from the pool's options.
  private database(): string {
    this.name ??=
      this.options.database ??
      decodeURIComponent(new URL(this.options.connectionString ?? 'postgresql://x/').pathname.slice(1));
    return this.name;
  }
}

const wrapped = Symbol('traced');

function traceClient(client: pg.PoolClient, database: string): pg.PoolClient {
  const marked = client as pg.PoolClient & { [wrapped]?: true };
  if (marked[wrapped]) return client;
  marked[wrapped] = true;
  const plain = client.query.bind(client) as (...args: QueryArgs) => unknown;
  client.query = ((...args: QueryArgs) =>
    args.some((a) => typeof a === 'function')
      ? plain(...args)
      : traceStatement(database, args, (a) => plain(...a))) as pg.PoolClient['query'];
  return client;
}

function traceStatement(database: string, args: QueryArgs, run: (args: QueryArgs) => unknown): unknown {
  if (!traced()) return run(args);
  const first = args[0] as string | { text?: string } | undefined;
  const text = (typeof first === 'string' ? first : first?.text) ?? '';
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const span = startSpan(`${operation} ${database}`, SpanKind.CLIENT, {
    'db.system': 'postgresql',
    'db.name': database,
    'db.operation': operation,
    'db.statement': text,
  });
  const end = (err: unknown, result?: { rowCount?: number | null }) => {
    if (err) failSpan(span, `SQL error ${(err as { code?: string }).code ?? ''}`.trim());
    else if (typeof result?.rowCount === 'number') span.setAttribute('db.response.returned_rows', result.rowCount);
    span.end();
  };
  const callbackAt = args.findIndex((a) => typeof a === 'function');
  if (callbackAt >= 0) {
    const callback = args[callbackAt] as Callback;
    const traced = [...args];
    traced[callbackAt] = ((err, result) => {
      end(err, result);
      callback(err, result);
    }) as Callback;
    return run(traced);
  }
  const result = run(args) as Promise<{ rowCount?: number | null }>;
  return result.then(
    (value) => {
      end(undefined, value);
      return value;
    },
    (err: unknown) => {
      end(err);
      throw err;
    },
  );
}
