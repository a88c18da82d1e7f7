import http from 'node:http';
import net from 'node:net';
import { GATEWAY_DEFAULTS } from '../../../gateway/config';
import { identityHeaders, SERVICE_IDENTITY } from '../../../domain/identity';
import { seedInstances } from '../../helpers/instances';
import { startTopology, TEST_SECRET, type Topology } from '../../helpers/topology';

const cellRequests = (topo: Topology) => [...topo.gateway.router.requestsByCell.values()].reduce((a, b) => a + b, 0);
const aliases = (n: number, field: (i: number) => string) => Array.from({ length: n }, (_, i) => field(i)).join(' ');
const LIST_FIELDS = 'edges { node { uuid displayName status host } }';

describe('bounded work per request', () => {
  let topo: Topology;
  let token: string;
  beforeAll(async () => {
    topo = await startTopology({
      cells: ['cell1', 'cell2', 'cell3'],
      gateway: {
        maxComplexity: 2000,
        maxBodyBytes: 256 * 1024,
        limits: { ...GATEWAY_DEFAULTS.limits, maxCellRequestsInFlight: 2 },
      },
    });
    for (const [slot, cell] of topo.cells.entries()) await seedInstances(cell, topo.api, { count: 4, slot, slots: 3 });
    token = await topo.token('demo');
  });
  afterAll(() => topo?.stop());

  // Each refusal is HTTP 400 with its code and the limit it hit, and no cell is asked.
  async function refused(query: string, variables: Record<string, unknown> = {}) {
    const before = cellRequests(topo);
    const res = await topo.query(query, variables, token);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(cellRequests(topo)).toBe(before);
    return res.body.errors[0];
  }

  describe('counts a list as the router runs it: first (50 when left out) x the cells it can reach x its selection', () => {
    // instances 1 + 50 x 3 cells x (edges, node, 4 fields) = 901 each
    it('takes two lists without first over three cells and refuses three', async () => {
      const two = await topo.query(`{ ${aliases(2, (i) => `l${i}: instances { ${LIST_FIELDS} }`)} }`, {}, token);
      expect(two.status).toBe(200);
      expect(two.body.data.l0.edges).toHaveLength(12);
      const error = await refused(`{ ${aliases(3, (i) => `l${i}: instances { ${LIST_FIELDS} }`)} }`);
      expect(error).toEqual({
        message: 'query is too complex: 2703 exceeds the limit of 2000',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'CELLS_MAX_COMPLEXITY', value: 2000, count: 2703 },
      });
    });

    it('counts one cell for filter.cellUuid', async () => {
      const cellUuid = topo.cells[0].uuid;
      const res = await topo.query(
        `{ ${aliases(3, (i) => `l${i}: instances(filter: { cellUuid: "${cellUuid}" }) { ${LIST_FIELDS} }`)} }`,
        {},
        token,
      );
      expect(res.status).toBe(200);
      expect(res.body.data.l2.edges).toHaveLength(4);
    });

    it('reads first from the coerced variables, and a variable that does not coerce is 400 BAD_USER_INPUT', async () => {
      const error = await refused('query($n: Int) { instances(first: $n) { edges { node { uuid } } } }', { n: 1000 });
      expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', count: 1 + 1000 * 3 * 3 });
      for (const [query, variables] of [
        ['query($n: Int) { instances(first: $n) { complete } }', { n: 'abc' }],
        ['query($u: ID!) { instance(uuid: $u) { uuid } }', { u: null }],
        ['query($u: ID!) { instance(uuid: $u) { uuid } }', { u: { nested: 1 } }],
        ['query($s: [InstanceSort!]) { instances(sort: $s) { complete } }', { s: { key: 'NOPE' } }],
      ] as const) {
        const error = await refused(query, variables);
        expect(error.extensions.code).toBe('BAD_USER_INPUT');
      }
    });
  });

  it('prices a document it has seen again for each request: its variables, and refusals every time', async () => {
    const query = 'query($n: Int) { instances(first: $n) { edges { node { uuid } } } }';
    for (let i = 0; i < 2; i++) {
      const small = await topo.query(query, { n: 5 }, token);
      expect(small.status).toBe(200);
      expect(small.body.data.instances.edges).toHaveLength(5);
      const error = await refused(query, { n: 500 });
      expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', count: 1 + 500 * 3 * 3 });
    }
    const tooMany = `{ ${aliases(300, (i) => `a${i}: instances { edges { node { uuid } } }`)} }`;
    for (let i = 0; i < 2; i++) expect((await refused(tooMany)).extensions.code).toBe('TOO_MANY_ALIASES');
  });

  it('refuses an alias beginning with "__" (the router asks the cells for its own fields under __cr_ aliases), naming it', async () => {
    for (const query of [
      '{ instances { edges { __cr_cursor: node { uuid } } } }',
      '{ instances { __cr_edges: complete edges { node { uuid } } } }',
      '{ __typename __x: instances { complete } }',
    ]) {
      const alias = /(__\w+):/.exec(query)![1];
      expect(await refused(query)).toEqual({
        message: `alias "${alias}": names beginning with "__" are reserved`,
        locations: expect.any(Array),
        extensions: { code: 'BAD_REQUEST', field: 'alias', value: alias },
      });
    }
    // The same fields under other aliases answer in full.
    const ok = await topo.query('{ instances { edges { c: cursor n: node { uuid } } complete } }', {}, token);
    expect(ok.status).toBe(200);
    expect(ok.body.data.instances.complete).toBe(true);
    expect(ok.body.data.instances.edges).toHaveLength(12);
    expect(ok.body.data.instances.edges[0]).toEqual({ c: expect.any(String), n: { uuid: expect.any(String) } });
  });

  it('refuses 300 aliased lists without first (each its own scatter) with TOO_MANY_ALIASES', async () => {
    const error = await refused(`{ ${aliases(300, (i) => `a${i}: instances { edges { node { uuid } } }`)} }`);
    expect(error).toEqual({
      message: 'too many aliases: 300 exceed the limit of 30',
      extensions: { code: 'TOO_MANY_ALIASES', limit: 'CELLS_MAX_ALIASES', value: 30, count: 300 },
    });
  });

  it('refuses more root lists than CELLS_MAX_FANOUTS with TOO_MANY_FANOUTS', async () => {
    const error = await refused(`{ ${aliases(6, (i) => `a${i}: instances(first: 1) { complete }`)} }`);
    expect(error).toEqual({
      message: 'too many fan-outs: 6 root lists over every cell exceed the limit of 5',
      extensions: { code: 'TOO_MANY_FANOUTS', limit: 'CELLS_MAX_FANOUTS', value: 5, count: 6 },
    });
  });

  it('refuses 10,000 aliased fields with 400 TOO_MANY_TOKENS (it answered 500)', async () => {
    const error = await refused(`{ ${aliases(10000, (i) => `a${i}: __typename`)} }`);
    expect(error).toMatchObject({
      message: 'too many tokens: the document exceeds the limit of 5000',
      extensions: { code: 'TOO_MANY_TOKENS', limit: 'CELLS_MAX_TOKENS', value: 5000 },
    });
  });

  it('refuses deep queries with TOO_DEEP and many directives with TOO_MANY_DIRECTIVES', async () => {
    // cells { hosts { cell { hosts { … host } } } }: 15 levels of fields
    const nested = (levels: number): string =>
      levels === 1 ? 'host' : `${levels % 2 === 0 ? 'hosts' : 'cell'} { ${nested(levels - 1)} }`;
    const deep = await refused(`{ cells { ${nested(14)} } }`);
    expect(deep).toEqual({
      message: 'query is too deep: depth 15 exceeds maximum operation depth of 12',
      extensions: { code: 'TOO_DEEP', limit: 'CELLS_MAX_DEPTH', value: 12, count: 15 },
    });
    const eleven = await topo.query(`{ cells { ${nested(10)} } }`, {}, await topo.token('admin', { admin: true }));
    expect(eleven.status).toBe(200);
    const directives = await refused(`{ ${aliases(21, (i) => `t${i}: __typename @include(if: true)`)} }`);
    expect(directives.extensions).toEqual({
      code: 'TOO_MANY_DIRECTIVES',
      limit: 'CELLS_MAX_DIRECTIVES',
      value: 20,
      count: 21,
    });
  });

  it('refuses a fragment that doubles at every level as too complex, not with a 500', async () => {
    const levels = 16;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Query { ${i === levels - 1 ? '__typename' : `...F${i + 1} ...F${i + 1}`} }`,
    ).join('\n');
    const error = await refused(`{ ...F0 }\n${fragments}`);
    expect(error.extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('keeps at most CELLS_MAX_CELL_REQUESTS_IN_FLIGHT cell requests of one request in flight, and answers in full', async () => {
    const res = await topo.query(
      `{ ${aliases(2, (i) => `l${i}: instances(first: 20) { edges { node { uuid } } complete }`)} }`,
      {},
      token,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.l0).toMatchObject({ complete: true });
    expect(res.body.data.l1.edges).toHaveLength(12);
    expect(topo.gateway.router.budgets.peak).toBeGreaterThan(0);
    expect(topo.gateway.router.budgets.peak).toBeLessThanOrEqual(2);
  });

  describe('a request body over the limit (413)', () => {
    const oversized = () => JSON.stringify({ query: `{ __typename }#${'x'.repeat(300 * 1024)}` });
    const small = JSON.stringify({ query: '{ __typename }' });

    it('is answered after its body is read, and the connection is closed cleanly, not reset', async () => {
      const { port } = topo.gateway;
      const socket = net.connect(port, '127.0.0.1');
      const body = oversized();
      const chunks: Buffer[] = [];
      const ended = new Promise<{ error?: Error }>((resolve) => {
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => resolve({}));
        socket.on('error', (error) => resolve({ error }));
      });
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      const outcome = await ended;
      socket.destroy();
      expect(outcome.error).toBeUndefined();
      const answer = Buffer.concat(chunks).toString('utf8');
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1); // the rest of the body was not read as another request
    });

    it('leaves a kept-alive client able to send its next request', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const send = (body: string) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = http.request(
            topo.gateway.url,
            {
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            },
            (res) => {
              const parts: Buffer[] = [];
              res.on('data', (c: Buffer) => parts.push(c));
              res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(parts).toString('utf8') }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      try {
        expect((await send(small)).status).toBe(200);
        expect((await send(oversized())).status).toBe(413);
        const next = await send(small);
        expect(next.status).toBe(200);
        expect(JSON.parse(next.text)).toEqual({ data: { __typename: 'Query' } });
      } finally {
        agent.destroy();
      }
    });

    it('is the same on a subgraph (shared HTTP server)', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const status = (body: string) =>
        new Promise<number>((resolve, reject) => {
          const headers = { 'content-type': 'application/json', ...identityHeaders(SERVICE_IDENTITY, TEST_SECRET) };
          const req = http.request(topo.global.url, { method: 'POST', agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
          req.end(body);
        });
      try {
        const huge = JSON.stringify({ query: `{ __typename }#${'x'.repeat(2 * 1024 * 1024)}` });
        expect(await status(huge)).toBe(413);
        expect(await status(small)).toBe(200);
      } finally {
        agent.destroy();
      }
    });
  });
});
