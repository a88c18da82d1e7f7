import path from 'node:path';
import { startChild, stopChildren } from '../../../deployment/supervisor';
import { portBusy } from '../../../deployment/portCheck';
import { createServer } from 'node:http';

const root = path.resolve(__dirname, '../../..');

describe('supervising the servers npm start runs', () => {
  it('starts a child with tsx, prefixes and formats its output, sees it ready, and stops it on request', async () => {
    const lines: string[] = [];
    const child = startChild(
      {
        name: 'fake',
        entry: 'test/integration/deployment/fixtures/fakeServer.ts',
        args: ['hello'],
        env: { FAKE_VALUE: 'v' },
        readyLine: 'fake server started',
      },
      { root, write: (line) => lines.push(line) },
    )!;
    await child.ready;
    expect(child.state).toEqual({ phase: 'ready' });
    await stopChildren([child]);
    expect(child.state).toMatchObject({ phase: 'exited' });
    expect(lines).toEqual(
      expect.arrayContaining([
        '[fake] INFO fake server started arg=hello env=v',
        '[fake] a line on stderr',
        '[fake] stopping on SIGTERM',
      ]),
    );
  });

  it('skips an entry that does not exist yet, saying so', () => {
    const lines: string[] = [];
    expect(
      startChild(
        { name: 'later', entry: 'nowhere/main.ts', args: [], env: {}, healthUrls: ['http://127.0.0.1:1/healthz'] },
        { root, write: (l) => lines.push(l) },
      ),
    ).toBeNull();
    expect(lines).toEqual(['[start] later: nowhere/main.ts does not exist yet, skipped']);
  });

  it('reports a child that exits before it is ready', async () => {
    const child = startChild(
      {
        name: 'dies',
        entry: 'test/integration/deployment/fixtures/fakeServer.ts',
        args: [],
        env: {},
        readyLine: 'never printed',
      },
      { root, write: () => undefined },
    )!;
    child.process.kill('SIGTERM');
    await expect(child.ready).rejects.toThrow(/dies exited/);
  });

  it('sees a child with several health URLs (the cells of one process) ready only once each answers', async () => {
    const healthy = () => createServer((_req, res) => res.end('{"status":"ok"}'));
    const listen = (server: ReturnType<typeof healthy>, port = 0) =>
      new Promise<number>((resolve) =>
        server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
      );
    const first = healthy();
    const second = healthy();
    const firstPort = await listen(first);
    // A port that nothing listens on yet: bound and released.
    const secondPort = await listen(second);
    await new Promise((resolve) => second.close(resolve));
    const child = startChild(
      {
        name: 'cells',
        entry: 'test/integration/deployment/fixtures/fakeServer.ts',
        args: [],
        env: {},
        healthUrls: [`http://127.0.0.1:${firstPort}/healthz`, `http://127.0.0.1:${secondPort}/healthz`],
      },
      { root, write: () => undefined },
    )!;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(child.state.phase).toBe('starting');
      await listen(second, secondPort);
      await child.ready;
      expect(child.state).toEqual({ phase: 'ready' });
    } finally {
      await stopChildren([child]);
      await new Promise((resolve) => first.close(resolve));
      await new Promise((resolve) => second.close(resolve));
    }
  }, 30000);

  it('refuses to call a child ready that has nothing to be ready by', async () => {
    const child = startChild(
      { name: 'blind', entry: 'test/integration/deployment/fixtures/fakeServer.ts', args: [], env: {} },
      { root, write: () => undefined },
    )!;
    try {
      await expect(child.ready).rejects.toThrow('blind has neither a ready line nor a health URL to wait for');
    } finally {
      await stopChildren([child]);
    }
  });

  it('tells a busy port from a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await portBusy('127.0.0.1', port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await portBusy('127.0.0.1', port)).toBe(false);
  });
});
