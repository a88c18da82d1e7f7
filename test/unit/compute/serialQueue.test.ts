import { SerialQueue } from '../../../compute/serialQueue';

describe('a per-key serial queue', () => {
  it('runs tasks of one key one after another and of different keys side by side', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let releaseA!: () => void;
    const first = queue.run(
      'a',
      () =>
        new Promise<void>(
          (resolve) =>
            (releaseA = () => {
              log.push('a1 done');
              resolve();
            }),
        ),
    );
    const second = queue.run('a', async () => void log.push('a2 ran'));
    await queue.run('b', async () => void log.push('b ran'));
    expect(log).toEqual(['b ran']);
    releaseA();
    await Promise.all([first, second]);
    expect(log).toEqual(['b ran', 'a1 done', 'a2 ran']);
  });

  it('keeps going after a task of the same key fails', async () => {
    const queue = new SerialQueue();
    await expect(
      queue.run('a', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(queue.run('a', async () => 42)).resolves.toBe(42);
  });
});
