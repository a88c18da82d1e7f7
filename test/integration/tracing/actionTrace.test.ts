import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startComputeAgent, type RunningComputeAgent } from '../../../compute/agent';
import { startTracing, stopTracing } from '../../../infrastructure/tracing';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, type Topology } from '../../helpers/topology';
import { waitFor } from '../cell/support/waitFor';

const attr = (span: ReadableSpan, name: string) => span.attributes[name];
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

// An action crosses three processes and a queue: gateway → cell subgraph (HTTP) → the
// cell's broker → the compute agent. Its trace crosses the queue too: the message carries
// the cell's `traceparent` in its headers.
describe('tracing an action through the compute queue', () => {
  const exporter = new InMemorySpanExporter();
  let topo: Topology;
  let agent: RunningComputeAgent;
  let target: SeededInstance;
  let member: string;
  const settled: string[] = [];

  beforeAll(async () => {
    expect(startTracing('cells-test', { exporter })).toEqual({ enabled: true });
    topo = await startTopology({ cells: ['cell1'], queues: true });
    const cell = topo.cells[0];
    agent = await startComputeAgent({
      cellUuid: cell.uuid,
      databaseUrl: cell.db.url,
      transportUrl: cell.vhost!.url,
      hosts: ['cell1-compute1'],
      delayMs: 20,
      heartbeatMs: 0,
      onSettled: (_, requestId) => void (requestId && settled.push(requestId)),
    });
    [target] = await seedInstances(cell, topo.api, { count: 1, projects: ['demo'] });
    member = await topo.token('demo');
  });
  afterAll(async () => {
    await agent?.close();
    await stopTracing();
    await topo?.stop();
  });

  it('makes the agent’s handling of the message a child of the cell’s publish, in the request’s trace', async () => {
    exporter.reset();
    const answer = await topo.query(
      'mutation($u: ID!) { stopInstance(uuid: $u) { requestId } }',
      { u: target.uuid },
      member,
    );
    expect(answer.body.errors).toBeUndefined();
    const requestId = answer.body.data.stopInstance.requestId as string;
    await waitFor('the agent to settle the stop', async () => settled.includes(requestId), 10000);
    await waitFor('the consumer span', async () =>
      exporter.getFinishedSpans().some((s) => s.name === 'cells.compute_apply'),
    );

    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'POST /graphql' && attr(s, 'cells.process') === 'gateway')!;
    expect(root).toBeDefined();
    const traceId = root.spanContext().traceId;
    const publish = spans.filter((s) => s.name === 'cells.compute_publish');
    const apply = spans.filter((s) => s.name === 'cells.compute_apply');
    expect(publish).toHaveLength(1);
    expect(apply).toHaveLength(1);

    expect(publish[0].kind).toBe(SpanKind.PRODUCER);
    expect(publish[0].spanContext().traceId).toBe(traceId);
    expect(attr(publish[0], 'messaging.destination.name')).toBe('compute.cell1-compute1');
    expect(attr(publish[0], 'cells.method')).toBe('stop_instance');
    // Under the cell subgraph's server span, itself under the gateway's request.
    const cellServer = spans.find((s) => idOf(s) === publish[0].parentSpanContext?.spanId)!;
    expect(attr(cellServer, 'cells.process')).toBe('cell');

    expect(apply[0].kind).toBe(SpanKind.CONSUMER);
    expect(apply[0].spanContext().traceId).toBe(traceId);
    expect(apply[0].parentSpanContext?.spanId).toBe(idOf(publish[0]));
    expect(apply[0].parentSpanContext?.isRemote).toBe(true);
    expect(apply[0].startTime[0] * 1e9 + apply[0].startTime[1]).toBeGreaterThanOrEqual(
      publish[0].startTime[0] * 1e9 + publish[0].startTime[1],
    );
  });
});
