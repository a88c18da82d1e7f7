import type { Instance } from '../../../../prisma/cell/generated/client';
import { startComputeAgent, type RunningComputeAgent } from '../../../../compute/agent';
import { createTestVhost, type TestVhost } from '../../../helpers/rabbit';
import { startCellFixture, type CellFixture } from './cellFixture';

export interface QueuedCell extends CellFixture {
  vhost: TestVhost;
  agent: RunningComputeAgent;
  /** Instances the agent reported deleted through its onDeleted hook. */
  deleted: Instance[];
  /** Request ids the agent settled, in order. */
  settled: { requestId: string | null; kind: string }[];
}

/** A cell with its own vhost and a compute agent (small delay) for `hosts`. */
export async function startQueuedCell(label: string, hosts: string[] = ['compute1', 'compute2']): Promise<QueuedCell> {
  const vhost = await createTestVhost(label);
  const cell = await startCellFixture(label, { transportUrl: vhost.url });
  const deleted: Instance[] = [];
  const settled: { requestId: string | null; kind: string }[] = [];
  const agent = await startComputeAgent({
    databaseUrl: cell.database.url,
    transportUrl: vhost.url,
    hosts,
    delayMs: 20,
    retryDelayMs: 100,
    onDeleted: (instance) => void deleted.push(instance),
    onSettled: (outcome, requestId) => void settled.push({ requestId, kind: outcome.kind }),
  });
  return {
    ...cell,
    vhost,
    agent,
    deleted,
    settled,
    close: async () => {
      await agent.close();
      await cell.close();
      await vhost.drop();
    },
  };
}
