import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSshKeyPair } from '../../../../../subgraphs/global/keys/generateKeyPair';
import { sshMpint, sshString } from '../../../../../subgraphs/global/keys/sshWire';
import {
  parseSshPublicKey,
  parseX509Certificate,
  PublicKeyError,
} from '../../../../../subgraphs/global/keys/publicKeys';

// OpenSSH and OpenSSL (both on the project's machine image) are the independent judges here.
const dir = mkdtempSync(path.join(tmpdir(), 'cells-keys-'));
const file = (name: string, text: string, mode = 0o600) => {
  const target = path.join(dir, name);
  writeFileSync(target, text, { mode });
  return target;
};
const sshKeygen = (...args: string[]) => execFileSync('ssh-keygen', args, { encoding: 'utf8' });
const md5Of = (publicKeyFile: string) => /MD5:([0-9a-f:]+)/.exec(sshKeygen('-l', '-E', 'md5', '-f', publicKeyFile))![1];

describe('generated key pairs', () => {
  it.each(['ED25519', 'RSA'] as const)(
    'gives a %s private key from which OpenSSH derives the same public key',
    (algorithm) => {
      const pair = generateSshKeyPair(algorithm, 'test@cells');
      const derived = sshKeygen('-y', '-f', file(`gen_${algorithm}`, pair.privateKey)).trim();
      expect(derived.split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
      expect(pair.publicKey.endsWith(' test@cells')).toBe(true);
    },
  );

  it.each(['ED25519', 'RSA'] as const)('fingerprints a %s key as OpenSSH does with MD5', (algorithm) => {
    const pair = generateSshKeyPair(algorithm, 'fp@cells');
    expect(pair.fingerprint).toBe(md5Of(file(`fp_${algorithm}.pub`, `${pair.publicKey}\n`)));
  });
});

describe('importing an ssh public key', () => {
  it.each([
    ['ed25519', []],
    ['rsa', ['-b', '2048']],
    ['ecdsa', ['-b', '384']],
  ])('accepts an OpenSSH %s key and fingerprints it as OpenSSH does', (type, bits) => {
    const keyFile = path.join(dir, `import_${type}`);
    sshKeygen('-q', '-t', type, ...bits, '-N', '', '-C', 'someone@example', '-f', keyFile);
    const line = readFileSync(`${keyFile}.pub`, 'utf8');
    const parsed = parseSshPublicKey(line);
    expect(parsed.fingerprint).toBe(md5Of(`${keyFile}.pub`));
    expect(parsed.publicKey).toBe(line.trim());
  });

  const ed = generateSshKeyPair('ED25519', 'x').publicKey.split(' ');
  it.each([
    ['a single word', 'ssh-ed25519', /expected "<type> <base64 key>/],
    ['text that is not base64', 'ssh-ed25519 not*base64', /not base64/],
    ['a type that disagrees with the key', `ssh-rsa ${ed[1]}`, /says it is "ssh-ed25519"/],
    ['a truncated key', `ssh-ed25519 ${Buffer.from(ed[1], 'base64').subarray(0, 30).toString('base64')}`, /malformed/],
    ['an unsupported type', `ssh-dss ${Buffer.from('\0\0\0\x07ssh-dss').toString('base64')}`, /unsupported key type/],
  ])('refuses %s', (_, line, message) => {
    expect(() => parseSshPublicKey(line)).toThrow(PublicKeyError);
    expect(() => parseSshPublicKey(line)).toThrow(message);
  });

  it('refuses an RSA key shorter than 1024 bits', () => {
    // OpenSSH itself no longer writes such keys, so the line is built by hand.
    const jwk = generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey.export({ format: 'jwk' });
    const blob = Buffer.concat([
      sshString('ssh-rsa'),
      sshMpint(Buffer.from(jwk.e!, 'base64url')),
      sshMpint(Buffer.from(jwk.n!, 'base64url')),
    ]);
    expect(() => parseSshPublicKey(`ssh-rsa ${blob.toString('base64')} short`)).toThrow(
      /at least 1024 bits, this one has 768/,
    );
  });
});

describe('importing an x509 certificate', () => {
  it('accepts a PEM certificate and fingerprints it with SHA-1 as Nova does', () => {
    const keyFile = path.join(dir, 'cert.key');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=cells-test',
      ],
      { stdio: 'ignore' },
    );
    const expected = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha1'], {
      encoding: 'utf8',
    })
      .trim()
      .split('=')[1]
      .toLowerCase();
    expect(parseX509Certificate(readFileSync(certFile, 'utf8')).fingerprint).toBe(expected);
  });

  it('refuses text that is not a certificate', () => {
    expect(() => parseX509Certificate('-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----')).toThrow(
      /PEM X.509 certificate/,
    );
  });
});
