import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KEEP_ALIVE_IDLE_MS, keepAliveAgent, postJson } from '../../../gateway/keepAlivePost';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freeSockets = (agent: http.Agent) => Object.values(agent.freeSockets).flat().length;

// The gateway's pool against a real Node.js server, which closes an idle kept-alive socket after 5 s.
describe("the gateway's kept-alive sockets to a subgraph", () => {
  let server: http.Server;
  let url: string;
  let delayMs = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end('{"data":{}}'), delayMs));
    });
    expect(server.keepAliveTimeout).toBe(5000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('are let go after sitting idle, before the server closes them', async () => {
    const agent = keepAliveAgent(url, 4);
    try {
      await postJson(url, agent, '{}', {}, 1000);
      expect(freeSockets(agent)).toBe(1);
      await sleep(KEEP_ALIVE_IDLE_MS + 700);
      expect(KEEP_ALIVE_IDLE_MS + 700).toBeLessThan(server.keepAliveTimeout);
      expect(freeSockets(agent)).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  it('still wait for an answer slower than the idle time', async () => {
    const agent = keepAliveAgent(url, 4);
    delayMs = KEEP_ALIVE_IDLE_MS + 500;
    try {
      const answer = await postJson(url, agent, '{}', {}, 10_000);
      expect(answer).toMatchObject({ status: 200, body: '{"data":{}}' });
    } finally {
      delayMs = 0;
      agent.destroy();
    }
  });
});
