import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { sshFingerprint } from './publicKeys';
import { sshMpint, sshString, sshUint32 } from './sshWire';

export type KeyAlgorithm = 'ED25519' | 'RSA';

export interface GeneratedKeyPair {
  /** One OpenSSH authorized_keys line: "<type> <base64> <comment>". */
  publicKey: string;
  /** PEM: OpenSSH format for ed25519, PKCS#1 for RSA (what Nova hands out). */
  privateKey: string;
  fingerprint: string;
}

/** A fresh key pair; the private half exists only in the returned object. */
export function generateSshKeyPair(algorithm: KeyAlgorithm, comment: string): GeneratedKeyPair {
  switch (algorithm) {
    case 'ED25519':
      return ed25519(comment);
    case 'RSA':
      return rsa(comment);
    default: {
      const never: never = algorithm;
      throw new Error(`unknown key algorithm ${String(never)}`);
    }
  }
}

function ed25519(comment: string): GeneratedKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x as string, 'base64url');
  const seed = Buffer.from(jwk.d as string, 'base64url');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  return {
    publicKey: authorizedKey('ssh-ed25519', blob, comment),
    privateKey: openSshPrivateKey(blob, pub, seed, comment),
    fingerprint: sshFingerprint(blob),
  };
}

function rsa(comment: string): GeneratedKeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  const jwk = privateKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString('ssh-rsa'),
    sshMpint(Buffer.from(jwk.e as string, 'base64url')),
    sshMpint(Buffer.from(jwk.n as string, 'base64url')),
  ]);
  return {
    publicKey: authorizedKey('ssh-rsa', blob, comment),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }) as string,
    fingerprint: sshFingerprint(blob),
  };
}

function authorizedKey(type: string, blob: Buffer, comment: string): string {
  return `${type} ${blob.toString('base64')} ${comment}`;
}

// openssh-key-v1, unencrypted (PROTOCOL.key in OpenSSH): Node cannot write it itself.
function openSshPrivateKey(blob: Buffer, pub: Buffer, seed: Buffer, comment: string): string {
  const check = randomBytes(4);
  let section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const padding: number[] = [];
  for (let i = 1; (section.length + padding.length) % 8 !== 0; i++) padding.push(i);
  section = Buffer.concat([section, Buffer.from(padding)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    sshUint32(1),
    sshString(blob),
    sshString(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');
}
