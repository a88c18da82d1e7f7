import { createHmac } from 'node:crypto';
import {
  claimProblem,
  decodeIdentity,
  encodeIdentity,
  identityFromHeaders,
  identityHeaders,
  identityOf,
  IDENTITY_TTL_SECONDS,
  InternalHeaders,
  isOperator,
  SERVICE_IDENTITY,
} from '../../../domain/identity';

const SECRET = 'unit-internal-secret';
const NOW = 1_750_000_000;
const member = identityOf('demo-user', 'demo', ['member']);

// Builds a header the way an attacker holding the secret would (for canonical-form checks).
function signed(json: string, secret = SECRET): string {
  const bytes = Buffer.from(json, 'utf8');
  const key = createHmac('sha256', secret).update('cells identity v1').digest();
  return `v1.${bytes.toString('base64url')}.${createHmac('sha256', key).update(bytes).digest('base64url')}`;
}

describe('identityOf', () => {
  it('makes admin only the exact role admin', () => {
    expect(identityOf('u', 'p', ['admin']).isAdmin).toBe(true);
    expect(identityOf('u', 'p', ['member, admin']).isAdmin).toBe(false);
    expect(identityOf('u', 'p', [' admin']).isAdmin).toBe(false);
    expect(identityOf('u', 'p', ['Admin']).isAdmin).toBe(false);
  });

  it('lets operators and admins read the operational endpoints, members not', () => {
    expect(isOperator(identityOf('u', 'p', ['operator']))).toBe(true);
    expect(isOperator(identityOf('u', 'p', ['admin']))).toBe(true);
    expect(isOperator(member)).toBe(false);
    expect(identityOf('u', 'p', ['operator']).isAdmin).toBe(false);
  });
});

describe('claimProblem', () => {
  it('admits Keystone ids, the demo names and the service identity', () => {
    expect(
      claimProblem({ userId: '0123456789abcdef0123456789abcdef', projectId: 'alt_demo', roles: ['member', 'reader'] }),
    ).toBeNull();
    expect(claimProblem({ userId: 'demo-user', projectId: 'admin-project', roles: [] })).toBeNull();
    expect(claimProblem(SERVICE_IDENTITY)).toBeNull();
  });

  it.each([
    ['a project id with a leading space', { projectId: ' alt_demo' }, 'projectId', ' alt_demo'],
    ['a project id with a comma', { projectId: 'a,b' }, 'projectId', 'a,b'],
    ['an empty project id', { projectId: '' }, 'projectId', ''],
    ['a project id of 65 characters', { projectId: 'p'.repeat(65) }, 'projectId', 'p'.repeat(65)],
    ['a user id with a newline', { userId: 'u\n' }, 'userId', 'u\n'],
    ['a numeric user id', { userId: 7 }, 'userId', 7],
    ['a role with a comma', { roles: ['member, admin'] }, 'roles', 'member, admin'],
    ['a role with a leading space', { roles: [' admin'] }, 'roles', ' admin'],
    ['an upper-case role', { roles: ['Admin'] }, 'roles', 'Admin'],
    ['roles as a string', { roles: 'admin' }, 'roles', 'admin'],
  ])('refuses %s, naming the claim', (_name, change, claim, got) => {
    expect(claimProblem({ userId: 'u', projectId: 'p', roles: ['member'], ...change })).toMatchObject({ claim, got });
  });

  it('refuses more than 32 roles', () => {
    expect(
      claimProblem({ userId: 'u', projectId: 'p', roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }),
    ).toMatchObject({ claim: 'roles' });
    expect(
      claimProblem({ userId: 'u', projectId: 'p', roles: Array.from({ length: 32 }, (_, i) => `r${i}`) }),
    ).toBeNull();
  });
});

describe('the forwarded identity', () => {
  it('decodes to exactly what was encoded, with isAdmin computed from the roles', () => {
    const admin = identityOf('a', 'p', ['admin', 'member']);
    expect(decodeIdentity(encodeIdentity(admin, SECRET, NOW), SECRET, NOW)).toEqual({ ok: true, identity: admin });
    expect(decodeIdentity(encodeIdentity(member, SECRET, NOW), SECRET, NOW)).toEqual({ ok: true, identity: member });
  });

  it('sends one header of canonical JSON and never isAdmin itself', () => {
    const header = encodeIdentity({ ...member, isAdmin: true }, SECRET, NOW);
    const [, payload] = header.split('.');
    expect(Buffer.from(payload, 'base64url').toString('utf8')).toBe(
      `{"u":"demo-user","p":"demo","r":["member"],"iat":${NOW},"exp":${NOW + IDENTITY_TTL_SECONDS}}`,
    );
    expect(decodeIdentity(header, SECRET, NOW)).toMatchObject({ ok: true, identity: { isAdmin: false } });
  });

  it('refuses to encode an identity that breaks the rules', () => {
    expect(() => encodeIdentity(identityOf('u', ' p', ['member']), SECRET)).toThrow(/projectId/);
  });

  it('refuses a header MAC’d with another secret', () => {
    expect(decodeIdentity(encodeIdentity(member, 'another-secret', NOW), SECRET, NOW)).toEqual({
      ok: false,
      reason: expect.stringMatching(/MAC mismatch/),
    });
  });

  it('refuses an altered payload under the original MAC', () => {
    const [version, , tag] = encodeIdentity(member, SECRET, NOW).split('.');
    const forged = Buffer.from(`{"u":"demo-user","p":"demo","r":["admin"],"iat":${NOW},"exp":${NOW + 300}}`).toString(
      'base64url',
    );
    expect(decodeIdentity(`${version}.${forged}.${tag}`, SECRET, NOW)).toEqual({
      ok: false,
      reason: expect.stringMatching(/MAC mismatch/),
    });
  });

  it.each([
    ['a header with a space added', (h: string) => ` ${h}`],
    ['a header with a second value', (h: string) => `${h}, ${h}`],
    ['a truncated MAC', (h: string) => h.slice(0, -1)],
    ['another version', (h: string) => h.replace(/^v1/, 'v2')],
    ['a MAC with non-canonical trailing bits', (h: string) => h.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
  ])('refuses %s', (_name, alter) => {
    expect(decodeIdentity(alter(encodeIdentity(member, SECRET, NOW)), SECRET, NOW)).toMatchObject({ ok: false });
  });

  it('refuses a correctly MAC’d payload that is not canonical or breaks the rules', () => {
    const exp = NOW + 300;
    expect(
      decodeIdentity(signed(`{"p":"demo","u":"demo-user","r":["member"],"iat":${NOW},"exp":${exp}}`), SECRET, NOW),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/canonical/) });
    expect(
      decodeIdentity(
        signed(`{"u":"demo-user","p":"demo","r":["member"],"iat":${NOW},"exp":${exp},"admin":true}`),
        SECRET,
        NOW,
      ),
    ).toMatchObject({ ok: false });
    expect(
      decodeIdentity(
        signed(`{"u":"demo-user","p":"demo","r":["member, admin"],"iat":${NOW},"exp":${exp}}`),
        SECRET,
        NOW,
      ),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/claim roles/) });
    expect(
      decodeIdentity(signed(`{"u":"demo-user","p":" alt_demo","r":["member"],"iat":${NOW},"exp":${exp}}`), SECRET, NOW),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/claim projectId/) });
    expect(decodeIdentity(signed('[1,2]'), SECRET, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/malformed/),
    });
  });

  it('refuses an expired header, one from the future, and one with a long life', () => {
    const header = encodeIdentity(member, SECRET, NOW);
    expect(decodeIdentity(header, SECRET, NOW + IDENTITY_TTL_SECONDS)).toMatchObject({ ok: true });
    expect(decodeIdentity(header, SECRET, NOW + IDENTITY_TTL_SECONDS + 61)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expired/),
    });
    expect(decodeIdentity(header, SECRET, NOW - 61)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not yet valid/),
    });
    expect(
      decodeIdentity(signed(`{"u":"u","p":"p","r":[],"iat":${NOW},"exp":${NOW + 86400}}`), SECRET, NOW),
    ).toMatchObject({ ok: false });
  });

  it('travels as headers and back with the request id beside it', () => {
    const headers = identityHeaders(member, SECRET, 'req-1');
    expect(Object.keys(headers).sort()).toEqual([InternalHeaders.identity, InternalHeaders.requestId].sort());
    expect(identityFromHeaders((name) => headers[name], SECRET)).toEqual({ ok: true, identity: member });
    expect(identityFromHeaders(() => undefined, SECRET)).toEqual({
      ok: false,
      reason: `missing ${InternalHeaders.identity} header`,
    });
  });
});
