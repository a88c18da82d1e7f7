import { createCellQueue } from '../../../../subgraphs/cell/queue';
import { silentLogger } from '../../../../subgraphs/shared/logger';

describe('the queue of a cell without a broker (none:///)', () => {
  it('is disabled and refuses to publish with BROKER_UNAVAILABLE naming the host', async () => {
    const queue = createCellQueue('none:///', { logger: silentLogger(), timeoutMs: 100 });
    expect(queue.enabled).toBe(false);
    await expect(queue.publish({ method: 'stop_instance', instanceUuid: 'u', requestId: 'r', host: 'compute1', sentAt: '' })).rejects.toMatchObject({
      extensions: { code: 'BROKER_UNAVAILABLE' },
      message: 'this cell has no message queue; cannot reach compute.compute1',
    });
  });
});
