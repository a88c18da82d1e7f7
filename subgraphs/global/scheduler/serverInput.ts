import { CELL0_UUID } from '../../../cellsAdmin';
import type { KeyPair } from '../../../prisma/api/generated/client';
import { badInput } from '../../../domain/errors';
import type { GlobalContext } from '../context';
import { canSeeFlavor, type FlavorRow } from '../../../domain/flavorRow';
import { effectiveLimits } from '../quotas/quotaSet';
import { intInRange, name, parseId, text } from '../validate';

/** The CreateServerInput of the SDL, as GraphQL hands it over. */
export interface CreateServerInput {
  name: string;
  flavorId: string;
  imageRef: string;
  keyName?: string | null;
  metadata?: { key: string; value: string }[] | null;
  securityGroups?: string[] | null;
  availabilityZone?: string | null;
  minCount?: number | null;
  maxCount?: number | null;
}

/** A create request whose every field was checked against the API database. */
export interface ServerRequest {
  name: string;
  flavor: FlavorRow;
  imageRef: string;
  keyPair: KeyPair | null;
  metadata: { key: string; value: string }[];
  securityGroups: string[];
  /** The cell the caller's availability zone names; null for any. */
  zoneCell: string | null;
  minCount: number;
  maxCount: number;
}

/** The most servers one request may ask for. */
export const MAX_COUNT = 100;
/** Nova's default availability zone: every host. */
export const DEFAULT_ZONE = 'nova';

/** Checks every field (reads only): BAD_USER_INPUT naming the first bad field and its value. */
export async function checkServerInput(ctx: GlobalContext, input: CreateServerInput): Promise<ServerRequest> {
  const serverName = name('input.name', input.name);
  const imageRef = name('input.imageRef', input.imageRef, {
    pattern: /^\S+$/,
    patternText: 'an image reference without whitespace',
  });
  const minCount = intInRange('input.minCount', input.minCount ?? 1, 1, MAX_COUNT);
  const maxCount = intInRange('input.maxCount', input.maxCount ?? minCount, minCount, MAX_COUNT);
  const flavor = await usableFlavor(ctx, input.flavorId);
  const keyPair = input.keyName == null ? null : await ownKeyPair(ctx, input.keyName);
  const metadata = await checkedMetadata(ctx, input.metadata ?? []);
  const securityGroups = await projectGroups(ctx, input.securityGroups ?? null);
  const zoneCell = await zone(ctx, input.availabilityZone ?? null);
  return { name: serverName, flavor, imageRef, keyPair, metadata, securityGroups, zoneCell, minCount, maxCount };
}

async function usableFlavor(ctx: GlobalContext, flavorId: string): Promise<FlavorRow> {
  const row = await ctx.loaders.flavorById.load(parseId('input.flavorId', flavorId));
  if (!row || row.deleted !== 0 || !canSeeFlavor(ctx.identity, row))
    throw badInput('input.flavorId', flavorId, 'the id of a flavor visible to your project');
  if (row.disabled) throw badInput('input.flavorId', flavorId, 'an enabled flavor (this one is disabled)');
  return row;
}

async function ownKeyPair(ctx: GlobalContext, keyName: string): Promise<KeyPair> {
  const row = await ctx.prisma.keyPair.findUnique({
    where: { userId_name: { userId: ctx.identity.userId, name: String(keyName) } },
  });
  if (!row) throw badInput('input.keyName', keyName, 'the name of one of your key pairs');
  return row;
}

async function checkedMetadata(ctx: GlobalContext, items: { key: string; value: string }[]) {
  const limit = (await effectiveLimits(ctx.prisma, ctx.identity.projectId, ctx.identity.userId)).get(
    'metadata_items',
  )!.limit;
  if (limit !== -1 && items.length > limit)
    throw badInput('input.metadata', `${items.length} items`, `at most ${limit} items (the metadata_items quota)`);
  const seen = new Set<string>();
  items.forEach((item, i) => {
    text(`input.metadata[${i}].key`, item.key, 1, 255);
    if (seen.has(item.key)) throw badInput(`input.metadata[${i}].key`, item.key, 'each key once');
    seen.add(item.key);
    text(`input.metadata[${i}].value`, item.value, 0, 255);
  });
  return items;
}

// Nova boots into the project's `default` group when none is named; named ones must exist.
async function projectGroups(ctx: GlobalContext, names: string[] | null): Promise<string[]> {
  if (names === null) return ['default'];
  const unique = [...new Set(names)];
  const found = await ctx.prisma.securityGroup.findMany({
    where: { projectId: ctx.identity.projectId, deleted: 0, name: { in: unique } },
    select: { name: true },
  });
  const known = new Set(found.map((g) => g.name));
  const i = names.findIndex((n) => !known.has(n));
  if (i >= 0) throw badInput(`input.securityGroups[${i}]`, names[i], 'the name of a security group of your project');
  return unique;
}

// Each cell is an availability zone of its hosts; "nova" (or none) is every host.
async function zone(ctx: GlobalContext, requested: string | null): Promise<string | null> {
  if (requested === null || requested === DEFAULT_ZONE) return null;
  const cells = await ctx.prisma.cellMapping.findMany({
    where: { uuid: { not: CELL0_UUID } },
    select: { name: true },
    orderBy: { name: 'asc' },
  });
  const names = cells.map((c) => c.name).filter((n): n is string => Boolean(n));
  if (!names.includes(requested))
    throw badInput(
      'input.availabilityZone',
      requested,
      `"${DEFAULT_ZONE}" or a cell name (${names.join(', ') || 'none yet'})`,
    );
  return requested;
}
