import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CellClient, classify } from '../../../../gateway/cellRouter/cellClient';
import { answeredWithout } from '../../../../gateway/cellRouter/instanceList';

const socketError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.7:4011`), { code });

describe('classifying a request that got no answer', () => {
  it.each([
    ['ECONNREFUSED', 'UNAVAILABLE', 'connection refused'],
    ['ECONNRESET', 'UNAVAILABLE', 'connection reset'],
    ['EPIPE', 'UNAVAILABLE', 'connection reset'],
    ['ENOTFOUND', 'UNAVAILABLE', 'host name does not resolve'],
    ['EAI_AGAIN', 'UNAVAILABLE', 'host name does not resolve'],
    ['EHOSTUNREACH', 'UNAVAILABLE', 'host unreachable'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'UNAVAILABLE', 'TLS handshake failed'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'UNAVAILABLE', 'TLS handshake failed'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'UNAVAILABLE', 'TLS handshake failed'],
    ['ETIMEDOUT', 'TIMEOUT', 'connection timed out'],
    ['HPE_INVALID_CONSTANT', 'ERROR', 'cell answered with malformed HTTP'],
    ['ESOMETHINGNEW', 'UNAVAILABLE', 'cell could not be reached'],
  ])('%s is %s', (code, status, message) => {
    expect(classify(socketError(code), 1000)).toEqual({ status, message });
  });

  it('calls the deadline a TIMEOUT', () => {
    expect(classify(Object.assign(new Error('aborted'), { name: 'TimeoutError' }), 1500)).toEqual({
      status: 'TIMEOUT',
      message: 'no answer within 1500 ms',
    });
  });
});

describe("a cell's answer without the connection", () => {
  it("is UNAVAILABLE with the fixed message of the cell's reason, never its text", () => {
    expect(
      answeredWithout({
        message: 'raw 127.0.0.1 text',
        extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_REFUSED' },
      }),
    ).toEqual({ ok: false, status: 'UNAVAILABLE', message: 'cell database refuses connections' });
    expect(
      answeredWithout({ message: 'x', extensions: { code: 'CELL_UNAVAILABLE', reason: 'SOMETHING_ELSE' } }),
    ).toMatchObject({ status: 'UNAVAILABLE', message: 'cell database is unavailable' });
  });

  it('is ERROR with a fixed message for any other error', () => {
    expect(
      answeredWithout({
        message: 'Invalid `prisma.$queryRaw()` invocation',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ).toEqual({ ok: false, status: 'ERROR', message: 'cell answered with an error' });
    expect(answeredWithout(undefined)).toMatchObject({ status: 'ERROR', message: 'cell answered without data' });
  });
});

describe('a cell that answers wrongly over HTTP', () => {
  let server: http.Server;
  let answer: { status: number; body: string };
  let client: CellClient;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    client = new CellClient({ uuid: 'c', name: 'c', disabled: false, graphqlUrl: url }, 2000);
  });
  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const send = () => client.send({ query: '{ __typename }', variables: {}, idempotent: true }, {});

  it('is ERROR "cell answered HTTP 500" for a 5xx, with its text only in the detail', async () => {
    answer = { status: 500, body: JSON.stringify({ errors: [{ message: 'secret stack at /srv/cell' }] }) };
    const outcome = await send();
    expect(outcome).toMatchObject({
      ok: false,
      status: 'ERROR',
      message: 'cell answered HTTP 500',
      detail: 'secret stack at /srv/cell',
    });
  });

  it('is ERROR for a body that is not a GraphQL answer', async () => {
    answer = { status: 502, body: '<html>bad gateway</html>' };
    expect(await send()).toMatchObject({
      ok: false,
      status: 'ERROR',
      message: 'cell answered HTTP 502 without a GraphQL body',
    });
    answer = { status: 200, body: '"just a string"' };
    expect(await send()).toMatchObject({
      ok: false,
      status: 'ERROR',
      message: 'cell answered HTTP 200 without a GraphQL body',
    });
  });

  it("hands on a 5xx that says the cell's database is down, for the caller to read", async () => {
    answer = {
      status: 503,
      body: JSON.stringify({
        errors: [
          { message: 'cell database is missing', extensions: { code: 'CELL_UNAVAILABLE', reason: 'DB_MISSING' } },
        ],
      }),
    };
    expect(await send()).toMatchObject({ ok: true });
  });
});
