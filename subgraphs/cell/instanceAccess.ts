import { notFound } from '../../domain/errors';
import type { Identity } from '../../domain/identity';
import type { CellContext } from './context';
import type { InstanceRow } from './rows';

/**
 * Whether `identity` may see `row`: non-admins see live instances of their own project
 * (a deleted one is gone for them, as in Nova); admins see everything.
 */
export function canSee(identity: Identity, row: InstanceRow): boolean {
  if (identity.isAdmin) return true;
  return row.projectId === identity.projectId && row.deleted === 0;
}

/** The instance `uuid` as the caller may act on it; NOT_FOUND when missing or not theirs. */
export async function visibleInstance(ctx: CellContext, uuid: string): Promise<InstanceRow> {
  const row = await ctx.cell.db.instance.findUnique({ where: { uuid } });
  if (!row || !canSee(ctx.identity, row)) throw notFound('instance', uuid);
  return row;
}
