/** RFC 4251 wire format: the length-prefixed strings and mpints SSH keys are made of. */

export function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export function sshUint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

/** An unsigned big-endian integer as an mpint: no leading zeros, a 0x00 when the top bit is set. */
export function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** Thrown for a blob that is not well-formed SSH wire data. */
export class SshWireError extends Error {}

/** Reads a blob field by field; every read past the end throws SshWireError. */
export class SshReader {
  private offset = 0;
  constructor(private readonly blob: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.blob.length) throw new SshWireError('truncated length');
    const length = this.blob.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.blob.length) throw new SshWireError('truncated field');
    this.offset = start + length;
    return this.blob.subarray(start, start + length);
  }

  /** An mpint as unsigned big-endian bytes; negative values are refused. */
  mpint(): Buffer {
    const bytes = this.string();
    if (bytes.length > 0 && bytes[0] & 0x80) throw new SshWireError('negative mpint');
    return bytes[0] === 0 ? bytes.subarray(1) : bytes;
  }

  get done(): boolean {
    return this.offset === this.blob.length;
  }
}
