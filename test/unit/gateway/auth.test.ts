import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AuthenticationError, Authenticator, signToken } from '../../../gateway/auth';

describe('Authenticator', () => {
  it('turns a signed token into an identity, admin when it carries the admin role', async () => {
    const auth = new Authenticator({ secret: 'secret-of-sixteen-chars' });
    const token = await signToken({ projectId: 'p1', userId: 'u1', roles: ['admin'], secret: 'secret-of-sixteen-chars' });
    await expect(auth.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'u1', projectId: 'p1', roles: ['admin'], isAdmin: true });
  });

  it('checks issuer and audience when configured', async () => {
    const auth = new Authenticator({ secret: 'secret-of-sixteen-chars', issuer: 'cells', audience: 'api' });
    const wrong = await signToken({ projectId: 'p1', userId: 'u1', roles: [], secret: 'secret-of-sixteen-chars', issuer: 'other', audience: 'api' });
    await expect(auth.verify(`Bearer ${wrong}`)).rejects.toThrow(/unexpected "iss" claim value/);
  });

  it('verifies RS256 tokens against keys from a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const server = http.createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const auth = new Authenticator({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
      const token = await new SignJWT({ project_id: 'p2', roles: ['member'] }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u2').setExpirationTime('5m').sign(privateKey);
      await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'u2', projectId: 'p2', isAdmin: false });
      const other = await generateKeyPair('RS256');
      const forged = await new SignJWT({ project_id: 'p2' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u2').setExpirationTime('5m').sign(other.privateKey);
      await expect(auth.verify(`Bearer ${forged}`)).rejects.toThrow(AuthenticationError);
    } finally {
      server.close();
    }
  });
});
