import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AuthenticationError, Authenticator, signToken } from '../../../gateway/auth';

describe('Authenticator', () => {
  it('turns a signed token into an identity, admin when it carries the admin role', async () => {
    const auth = new Authenticator({ secret: 'secret-of-sixteen-chars' });
    const token = await signToken({
      projectId: 'p1',
      userId: 'u1',
      roles: ['admin'],
      secret: 'secret-of-sixteen-chars',
    });
    await expect(auth.verify(`Bearer ${token}`)).resolves.toEqual({
      userId: 'u1',
      projectId: 'p1',
      roles: ['admin'],
      isAdmin: true,
    });
  });

  it('checks issuer and audience when configured', async () => {
    const auth = new Authenticator({ secret: 'secret-of-sixteen-chars', issuer: 'cells', audience: 'api' });
    const wrong = await signToken({
      projectId: 'p1',
      userId: 'u1',
      roles: [],
      secret: 'secret-of-sixteen-chars',
      issuer: 'other',
      audience: 'api',
    });
    await expect(auth.verify(`Bearer ${wrong}`)).rejects.toThrow(/unexpected "iss" claim value/);
  });

  it('verifies RS256 tokens against keys from a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const server = http.createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const auth = new Authenticator({
        jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
        issuer: 'keystone',
        audience: 'cells',
      });
      const token = await new SignJWT({ project_id: 'p2', roles: ['member'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('u2')
        .setIssuer('keystone')
        .setAudience('cells')
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({
        userId: 'u2',
        projectId: 'p2',
        isAdmin: false,
      });
      const elsewhere = await new SignJWT({ project_id: 'p2', roles: ['admin'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('u2')
        .setIssuer('keystone')
        .setAudience('swift')
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(auth.verify(`Bearer ${elsewhere}`)).rejects.toThrow(/unexpected "aud" claim value/);
      const other = await generateKeyPair('RS256');
      const forged = await new SignJWT({ project_id: 'p2' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('u2')
        .setIssuer('keystone')
        .setAudience('cells')
        .setExpirationTime('5m')
        .sign(other.privateKey);
      await expect(auth.verify(`Bearer ${forged}`)).rejects.toThrow(AuthenticationError);
    } finally {
      server.close();
    }
  });

  it('refuses a JWKS without an issuer and an audience to check', () => {
    expect(() => new Authenticator({ jwksUrl: 'http://127.0.0.1:1/jwks.json' })).toThrow(/issuer and an audience/);
    expect(() => new Authenticator({ jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer: 'keystone' })).toThrow(
      /issuer and an audience/,
    );
  });
});

describe('the claim rules', () => {
  const secret = 'secret-of-sixteen-chars';
  const auth = new Authenticator({ secret });
  const claims = (payload: Record<string, unknown>, sub = 'u1') =>
    new SignJWT({ project_id: 'demo', roles: ['member'], ...payload })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));

  it('admit Keystone-style hex ids and the demo names', async () => {
    const hex = '0123456789abcdef0123456789abcdef';
    await expect(
      auth.verify(`Bearer ${await claims({ project_id: hex, roles: ['member', 'reader'] }, hex)}`),
    ).resolves.toEqual({ userId: hex, projectId: hex, roles: ['member', 'reader'], isAdmin: false });
    await expect(
      auth.verify(`Bearer ${await claims({ project_id: 'alt_demo' }, 'alt_demo-user')}`),
    ).resolves.toMatchObject({ projectId: 'alt_demo' });
  });

  it.each([
    [
      'roles ["member, admin"]',
      { roles: ['member, admin'] },
      'token claim roles: expected an array of at most 32 roles, each matching ^[a-z][a-z0-9_-]{0,31}$, got "member, admin"',
    ],
    [
      'roles [" admin"]',
      { roles: [' admin'] },
      'token claim roles: expected an array of at most 32 roles, each matching ^[a-z][a-z0-9_-]{0,31}$, got " admin"',
    ],
    [
      'roles "admin" (not an array)',
      { roles: 'admin' },
      'token claim roles: expected an array of at most 32 roles, each matching ^[a-z][a-z0-9_-]{0,31}$, got "admin"',
    ],
    [
      '33 roles',
      { roles: Array.from({ length: 33 }, (_, i) => `r${i}`) },
      /^token claim roles: expected an array of at most 32 roles/,
    ],
    [
      'project_id " alt_demo"',
      { project_id: ' alt_demo' },
      'token claim project_id: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, got " alt_demo"',
    ],
    [
      'project_id "alt_demo\\u0000"',
      { project_id: 'alt_demo\u0000' },
      'token claim project_id: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, got "alt_demo\\u0000"',
    ],
    [
      'project_id 42',
      { project_id: 42 },
      'token claim project_id: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, got 42',
    ],
    [
      'no project_id',
      { project_id: undefined },
      'token claim project_id missing: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
    ],
  ])('refuse a token with %s, naming the claim', async (_name, payload, message) => {
    const verifying = auth.verify(`Bearer ${await claims(payload)}`);
    await expect(verifying).rejects.toThrow(AuthenticationError);
    await expect(verifying).rejects.toThrow(message);
  });

  it('refuse a subject with a separator in it', async () => {
    await expect(auth.verify(`Bearer ${await claims({}, 'alice,admin')}`)).rejects.toThrow(
      'token claim sub: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, got "alice,admin"',
    );
  });

  it('cut a long value in the message', async () => {
    await expect(auth.verify(`Bearer ${await claims({ project_id: `x ${'y'.repeat(500)}` })}`)).rejects.toThrow(
      /got "x y{74}\.\.\.$/,
    );
  });
});
