import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, startChildServer, type ChildServer } from '../../helpers/faults';
import { seedInstances } from '../../helpers/instances';
import { startTopology, TEST_JWT_SECRET, TEST_SECRET, type Topology } from '../../helpers/topology';

const LIST = `{ instances(first: 10) { edges { node { uuid } } complete } }`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

interface OtlpSpan {
  traceId: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** A stand-in OTLP/HTTP collector: keeps every JSON export POSTed to /v1/traces. */
async function startCollector(): Promise<{ url: string; exports: OtlpExport[]; close(): Promise<void> }> {
  const exports: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces')
        exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('a gateway process with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let topo: Topology;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gateway: ChildServer;
  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    for (const [i, cell] of topo.cells.entries()) await seedInstances(cell, topo.api, { count: 10, slot: i, slots: 2 });
    collector = await startCollector();
    const port = await freePort();
    gateway = await startChildServer(
      'gateway/main.ts',
      [],
      {
        CELLS_GATEWAY_PORT: String(port),
        CELLS_HOST: '127.0.0.1',
        CELLS_GLOBAL_URL: topo.global.url,
        CELLS_INTERNAL_SECRET: TEST_SECRET,
        CELLS_JWT_SECRET: TEST_JWT_SECRET,
        CELLS_MAPPING_NOTIFY_URL: 'off',
        CELLS_LOG_LEVEL: 'silent',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: '',
      },
      port,
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await collector?.close();
    await topo?.stop();
  });

  it("exports the request's spans over OTLP, in the caller's trace, flushed when the process stops", async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await topo.token('demo')}`,
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ query: LIST }),
    });
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.instances.edges).toHaveLength(10);
    await gateway.stop();

    const batches = collector.exports.flatMap((e) => e.resourceSpans);
    const spans = batches.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).filter((s) => s.traceId === TRACE_ID);
    const names = spans.map((s) => s.name);
    expect(names).toContain('POST /graphql');
    expect(names).toContain('gateway.execute');
    const cells = spans
      .filter((s) => s.name === 'cells.cell_request')
      .map((s) => s.attributes?.find((a) => a.key === 'cells.cell.name')?.value.stringValue)
      .sort();
    expect(cells).toEqual(['cell1', 'cell2']);
    const services = batches.map((r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
    expect(new Set(services)).toEqual(new Set(['cells-gateway']));
  });
});
