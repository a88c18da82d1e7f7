import { badInput } from '../../domain/errors';

/** Where a migrations page stopped: newest first, so (createdAt, id) both descending. */
export interface MigrationPosition {
  createdAt: Date;
  id: number;
}

export function encodeMigrationCursor(position: MigrationPosition): string {
  return Buffer.from(JSON.stringify({ c: position.createdAt.toISOString(), i: position.id })).toString('base64url');
}

/** Reads a cursor made by encodeMigrationCursor; anything else is BAD_USER_INPUT on `after`. */
export function decodeMigrationCursor(cursor: string): MigrationPosition {
  try {
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown };
    const createdAt = new Date(String(payload.c));
    if (typeof payload.c === 'string' && !Number.isNaN(createdAt.getTime()) && Number.isInteger(payload.i))
      return { createdAt, id: payload.i as number };
  } catch {
    // falls through to the refusal below
  }
  throw badInput('after', cursor, 'a cursor from a previous migrations page');
}
