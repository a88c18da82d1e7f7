import { createCellQueue, PublishFailure } from '../../../../subgraphs/cell/queue';
import { silentLogger } from '../../../../infrastructure/logger';

describe('the queue of a cell without a broker (none:///)', () => {
  it('is disabled and refuses to publish with BROKER_UNAVAILABLE naming the host', async () => {
    const queue = createCellQueue('none:///', { logger: silentLogger(), timeoutMs: 100 });
    expect(queue.enabled).toBe(false);
    await expect(
      queue.publish({ method: 'stop_instance', instanceUuid: 'u', requestId: 'r', host: 'compute1', sentAt: '' }),
    ).rejects.toMatchObject({
      extensions: { code: 'BROKER_UNAVAILABLE' },
      message: 'this cell has no message queue; cannot reach compute.compute1',
    });
  });
});

describe('a failed publish as the caller sees it', () => {
  const reasons = [
    'NO_QUEUE',
    'QUEUE_CLOSED',
    'HOST_NOT_CONSUMING',
    'BROKER_UNREACHABLE',
    'BROKER_BLOCKED',
    'BROKER_REFUSED',
    'BROKER_TIMEOUT',
    'BROKER_LOST',
  ] as const;

  it.each(reasons)('%s has one fixed message with no address, URL or driver text', (reason) => {
    const failure = new PublishFailure(reason, 'compute1');
    expect(failure.message).not.toMatch(/amqp|127\.0\.0\.1|:\d{2,5}\b|ECONN|nacked|Channel closed/i);
    expect(failure.extensions).toMatchObject({
      code: reason === 'HOST_NOT_CONSUMING' ? 'HOST_UNAVAILABLE' : 'BROKER_UNAVAILABLE',
      reason,
    });
  });

  it("names the host that is not consuming, as the caller's instance shows it", () => {
    expect(new PublishFailure('HOST_NOT_CONSUMING', 'compute1').message).toBe('compute host compute1 is not consuming');
  });

  it('counts only what surely did not reach a queue as refused for the host', () => {
    expect(reasons.filter((reason) => new PublishFailure(reason, 'h').refusedForHost)).toEqual([
      'NO_QUEUE',
      'HOST_NOT_CONSUMING',
      'BROKER_REFUSED',
    ]);
  });

  it('a cell without a queue is never ready', async () => {
    await expect(createCellQueue('none:///', { logger: silentLogger(), timeoutMs: 100 }).ready()).rejects.toMatchObject(
      { reason: 'NO_QUEUE', message: 'this cell has no message queue' },
    );
  });
});
