import { createHash, createPublicKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import { SshReader, SshWireError } from './sshWire';

/** Nova's ssh fingerprint: MD5 of the decoded key blob, as colon-separated lowercase hex. */
export function sshFingerprint(blob: Buffer): string {
  return colonHex(createHash('md5').update(blob).digest('hex'));
}

/** A public key that cannot be imported; `reason` says why, for the error message. */
export class PublicKeyError extends Error {}

export interface ParsedPublicKey {
  publicKey: string;
  fingerprint: string;
}

const CURVES: Record<string, { crv: string; size: number }> = {
  nistp256: { crv: 'P-256', size: 32 },
  nistp384: { crv: 'P-384', size: 48 },
  nistp521: { crv: 'P-521', size: 66 },
};

/** Validates an OpenSSH public key line (ed25519, RSA of 1024 bits or more, ECDSA) and fingerprints it. */
export function parseSshPublicKey(line: string): ParsedPublicKey {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2) throw new PublicKeyError('expected "<type> <base64 key> [comment]"');
  const [type, encoded] = parts;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new PublicKeyError('the key is not base64');
  const blob = Buffer.from(encoded, 'base64');
  try {
    const reader = new SshReader(blob);
    const inner = reader.string().toString('latin1');
    if (inner !== type)
      throw new PublicKeyError(`the key says it is ${JSON.stringify(inner)}, the line says ${JSON.stringify(type)}`);
    checkKeyBody(type, reader);
    if (!reader.done) throw new PublicKeyError('trailing bytes after the key');
  } catch (err) {
    if (err instanceof SshWireError) throw new PublicKeyError(`malformed key data (${err.message})`);
    throw err;
  }
  return { publicKey: line.trim(), fingerprint: sshFingerprint(blob) };
}

function checkKeyBody(type: string, reader: SshReader): void {
  if (type === 'ssh-ed25519') {
    if (reader.string().length !== 32) throw new PublicKeyError('an ed25519 key has 32 bytes');
    return;
  }
  if (type === 'ssh-rsa') {
    const e = reader.mpint();
    const n = reader.mpint();
    if (n.length * 8 < 1024) throw new PublicKeyError(`RSA keys need at least 1024 bits, this one has ${n.length * 8}`);
    importJwk({ kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') });
    return;
  }
  const ecdsa = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(type);
  if (ecdsa) {
    const curve = CURVES[ecdsa[1]];
    if (reader.string().toString('latin1') !== ecdsa[1])
      throw new PublicKeyError('the curve name does not match the key type');
    const point = reader.string();
    if (point.length !== 1 + 2 * curve.size || point[0] !== 4)
      throw new PublicKeyError('expected an uncompressed curve point');
    const x = point.subarray(1, 1 + curve.size).toString('base64url');
    const y = point.subarray(1 + curve.size).toString('base64url');
    importJwk({ kty: 'EC', crv: curve.crv, x, y });
    return;
  }
  throw new PublicKeyError(
    `unsupported key type ${JSON.stringify(type)} (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521)`,
  );
}

// Let OpenSSL check what the wire format cannot: a valid modulus, a point on the curve.
function importJwk(jwk: JsonWebKey): void {
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    throw new PublicKeyError(`not a valid key (${(err as Error).message})`);
  }
}

/** Validates a PEM X.509 certificate; Nova's fingerprint for it is its SHA-1, colon hex, lowercase. */
export function parseX509Certificate(pem: string): ParsedPublicKey {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem.trim());
  } catch {
    throw new PublicKeyError('expected a PEM X.509 certificate');
  }
  return { publicKey: pem.trim(), fingerprint: certificate.fingerprint.toLowerCase() };
}

function colonHex(hex: string): string {
  return (hex.match(/../g) ?? []).join(':');
}
