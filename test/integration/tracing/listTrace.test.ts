import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, stopTracing } from '../../../infrastructure/tracing';
import { seedInstances } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';

const LIST = `query($first: Int) {
  instances(first: $first) {
    edges { node { uuid status cell { name } } }
    complete
    cells { cellName status }
  }
}`;
const CELLS = ['cell1', 'cell2', 'cell3'];
// A trace context the client sends: with tracing off it must go nowhere.
const CLIENT_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** An HTTP proxy in front of a cell that records the `traceparent` header of every request. */
async function headerRecorder(
  target: string,
): Promise<{ url: string; seen: (string | undefined)[]; close(): Promise<void> }> {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      seen.push(req.headers.traceparent as string | undefined);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      const upstream = await fetch(target, { method: 'POST', headers, body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const attr = (span: ReadableSpan, name: string) => span.attributes[name];
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing a list over three cells', () => {
  let topo: Topology;
  let member: string;
  beforeAll(async () => {
    topo = await startTopology({ cells: CELLS });
    for (const [i, cell] of topo.cells.entries())
      await seedInstances(cell, topo.api, { count: 20, slot: i, slots: CELLS.length, projects: ['demo'] });
    member = await topo.token('demo');
  });
  afterAll(async () => {
    await stopTracing();
    await topo?.stop();
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT unset', () => {
    it('registers no SDK, records no span and sends no traceparent to the cells', async () => {
      expect(startTracing('cells-gateway', { env: {} })).toEqual({ enabled: false });
      const recorder = await headerRecorder(topo.cells[0].subgraph!.url);
      await topo.api.cellMapping.update({ where: { uuid: topo.cells[0].uuid }, data: { graphqlUrl: recorder.url } });
      await topo.gateway.directory.refresh();
      try {
        const response = await fetch(topo.gateway.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${member}`,
            traceparent: CLIENT_TRACEPARENT,
          },
          body: JSON.stringify({ query: LIST, variables: { first: 30 } }),
        });
        const body = (await response.json()) as any;
        expect(body.errors).toBeUndefined();
        expect(body.data.instances.complete).toBe(true);
        expect(recorder.seen.length).toBeGreaterThan(0);
        expect(recorder.seen.every((header) => header === undefined)).toBe(true);
      } finally {
        await topo.api.cellMapping.update({
          where: { uuid: topo.cells[0].uuid },
          data: { graphqlUrl: topo.cells[0].subgraph!.url },
        });
        await topo.gateway.directory.refresh();
        await recorder.close();
      }
      // The API's tracer is the no-op one: a span started now records nothing.
      const span = trace.getTracer('probe').startSpan('probe');
      expect(span.isRecording()).toBe(false);
      span.end();
    });
  });

  describe('with an exporter registered', () => {
    const exporter = new InMemorySpanExporter();
    beforeAll(() => {
      expect(startTracing('cells-test', { exporter })).toEqual({ enabled: true });
    });

    // Runs the list and answers every span of its trace (the gateway's root span's trace id).
    async function traceOfList(): Promise<{ body: any; spans: ReadableSpan[]; root: ReadableSpan }> {
      exporter.reset();
      const { body } = await topo.query(LIST, { first: 30 }, member);
      const roots = exporter
        .getFinishedSpans()
        .filter((s) => s.name === 'POST /graphql' && attr(s, 'cells.process') === 'gateway');
      expect(roots).toHaveLength(1);
      const root = roots[0];
      const traceId = root.spanContext().traceId;
      return { body, root, spans: exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId) };
    }

    it('makes one request one trace: gateway request, plan, a span per cell, the cells’ servers and their SQL', async () => {
      const { body, spans, root } = await traceOfList();
      expect(body.errors).toBeUndefined();
      expect(body.data.instances.edges).toHaveLength(30);
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.kind).toBe(SpanKind.SERVER);
      expect(attr(root, 'http.response.status_code')).toBe(200);
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      // Every span of the trace hangs from the root.
      expect(spans.filter((s) => !reachesFrom(s, root, byId)).map((s) => s.name)).toEqual([]);

      const execute = spans.find((s) => s.name === 'gateway.execute');
      expect(execute).toBeDefined();
      expect(spans.some((s) => s.name === 'gateway.fetch' && attr(s, 'service') === 'cell')).toBe(true);

      const cellRequests = spans.filter((s) => s.name === 'cells.cell_request');
      expect(cellRequests.map((s) => attr(s, 'cells.cell.name')).sort()).toEqual(CELLS);
      for (const request of cellRequests) {
        const cell = topo.cells.find((c) => c.name === attr(request, 'cells.cell.name'))!;
        expect(attr(request, 'cells.cell.uuid')).toBe(cell.uuid);
        expect(attr(request, 'cells.cell.status')).toBe('OK');
        expect(attr(request, 'cells.rows')).toBeGreaterThan(0);
        expect(request.kind).toBe(SpanKind.CLIENT);
        // The cell's own server span is a child of this request through `traceparent`.
        const servers = spans.filter(
          (s) => attr(s, 'cells.process') === 'cell' && parentId(s) === request.spanContext().spanId,
        );
        expect(servers.length).toBeGreaterThanOrEqual(1);
        for (const server of servers) {
          expect(server.parentSpanContext?.isRemote).toBe(true);
          expect(attr(server, 'cells.cell.name')).toBe(cell.name);
        }
        // Its SQL: statements of this cell's database under its server span, text without values.
        const sql = spans.filter(
          (s) => attr(s, 'db.name') === cell.db.name && servers.some((server) => reachesFrom(s, server, byId)),
        );
        expect(sql.length).toBeGreaterThanOrEqual(1);
        for (const statement of sql) {
          expect(attr(statement, 'db.system')).toBe('postgresql');
          expect(String(attr(statement, 'db.statement'))).toMatch(/^SELECT /);
          expect(String(attr(statement, 'db.statement'))).not.toContain("'demo'");
        }
      }
      // The router's own global request (the build requests to merge in) is in the same trace.
      const globalServers = spans.filter((s) => attr(s, 'cells.process') === 'global');
      expect(globalServers.length).toBeGreaterThanOrEqual(1);
      expect(globalServers.every((s) => s.parentSpanContext?.isRemote)).toBe(true);
      expect(spans.some((s) => s.name === 'cells.global_request')).toBe(true);
      expect(spans.some((s) => attr(s, 'db.name') === topo.apiDb.name)).toBe(true);
      // No statement of the request ended up in a trace of its own.
      const ownTraces = new Set(
        exporter
          .getFinishedSpans()
          .filter((s) => attr(s, 'cells.process') === 'cell')
          .map((s) => s.spanContext().traceId),
      );
      expect([...ownTraces]).toEqual([root.spanContext().traceId]);
    });

    it('keeps a cell that is down in the trace, named, with an error status', async () => {
      await topo.cells[2].stop();
      try {
        const { body, spans } = await traceOfList();
        expect(body.data.instances.complete).toBe(false);
        const down = spans.filter((s) => s.name === 'cells.cell_request' && attr(s, 'cells.cell.name') === 'cell3');
        expect(down).toHaveLength(1);
        expect(attr(down[0], 'cells.cell.uuid')).toBe(topo.cells[2].uuid);
        expect(attr(down[0], 'cells.cell.status')).toBe('UNAVAILABLE');
        expect(down[0].status.code).toBe(SpanStatusCode.ERROR);
        expect(down[0].status.message).toBe('UNAVAILABLE: connection refused');
        // The cells up are asked again for the rows cell3 did not send: every one of their requests is OK.
        const up = spans.filter((s) => s.name === 'cells.cell_request' && attr(s, 'cells.cell.name') !== 'cell3');
        expect(new Set(up.map((s) => attr(s, 'cells.cell.name')))).toEqual(new Set(['cell1', 'cell2']));
        expect(up.every((s) => attr(s, 'cells.cell.status') === 'OK')).toBe(true);
      } finally {
        await topo.cells[2].start();
      }
    });
  });
});

function reachesFrom(span: ReadableSpan, ancestor: ReadableSpan, byId: Map<string, ReadableSpan>): boolean {
  for (let at: ReadableSpan | undefined = span; at; at = byId.get(parentId(at) ?? '')) if (at === ancestor) return true;
  return false;
}
