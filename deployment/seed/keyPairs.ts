import { createHash } from 'node:crypto';

/**
 * A well-formed ssh-ed25519 public key derived from `name`, with its MD5
 * fingerprint as Nova computes it. Demo data only: nobody holds the private key.
 */
export function demoPublicKey(name: string): { publicKey: string; fingerprint: string } {
  const type = Buffer.from('ssh-ed25519');
  const key = createHash('sha256').update(`key:${name}`).digest();
  const blob = Buffer.concat([length(type.length), type, length(key.length), key]);
  const fingerprint = createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
  return { publicKey: `ssh-ed25519 ${blob.toString('base64')} ${name}@cells-demo`, fingerprint };
}

function length(n: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(n);
  return buffer;
}
