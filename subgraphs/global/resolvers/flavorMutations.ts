import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../../../prisma/clients';
import { badInput, conflict, notFound } from '../../../domain/errors';
import { requireAdmin } from '../access';
import type { GlobalContext } from '../context';
import { flavorInclude, type FlavorRow } from '../../../domain/flavorRow';
import { intInRange, name, parseId } from '../validate';

interface CreateFlavorInput {
  name: string;
  flavorid?: string | null;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb?: number | null;
  swap?: number | null;
  rxtxFactor?: number | null;
  isPublic?: boolean | null;
  description?: string | null;
}

type Tx = Parameters<Parameters<ApiClient['$transaction']>[0]>[0];

// Nova's rules: flavorid of word characters, dots, dashes and spaces; extra spec keys likewise plus colons.
const FLAVORID = /^[\w.\- ]+$/;
const SPEC_KEY = /^[\w.\- :]{1,255}$/;

async function liveFlavor(tx: Tx, id: string): Promise<FlavorRow> {
  const row = await tx.instanceType.findFirst({ where: { id: parseId('id', id), deleted: 0 }, include: flavorInclude });
  if (!row) throw notFound('flavor', id);
  return row;
}

function reload(tx: Tx, id: number): Promise<FlavorRow> {
  return tx.instanceType.findUniqueOrThrow({ where: { id }, include: flavorInclude });
}

function validCreate(input: CreateFlavorInput) {
  const rxtxFactor = input.rxtxFactor ?? 1;
  if (!(rxtxFactor > 0) || !Number.isFinite(rxtxFactor))
    throw badInput('input.rxtxFactor', input.rxtxFactor, 'a number greater than 0');
  if (input.description && input.description.length > 65535)
    throw badInput('input.description', input.description, 'at most 65535 characters');
  return {
    name: name('input.name', input.name),
    flavorid:
      input.flavorid == null
        ? randomUUID()
        : name('input.flavorid', input.flavorid, {
            pattern: FLAVORID,
            patternText: 'letters, digits, _, ., - and spaces',
          }),
    vcpus: intInRange('input.vcpus', input.vcpus, 1),
    memoryMb: intInRange('input.memoryMb', input.memoryMb, 1),
    rootGb: intInRange('input.rootGb', input.rootGb, 0),
    ephemeralGb: intInRange('input.ephemeralGb', input.ephemeralGb ?? 0, 0),
    swap: intInRange('input.swap', input.swap ?? 0, 0),
    rxtxFactor,
    isPublic: input.isPublic ?? true,
    description: input.description ?? null,
  };
}

function specValue(key: string, value: unknown): string {
  if (typeof value === 'string' && value.length <= 255) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badInput(`extraSpecs.${key}`, value, 'a string of at most 255 characters (or a number or boolean)');
}

export const flavorMutations = {
  createFlavor: (_: unknown, args: { input: CreateFlavorInput }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'createFlavor');
    const data = validCreate(args.input);
    return ctx.prisma.$transaction(async (tx) => {
      const clash = await tx.instanceType.findFirst({
        where: { deleted: 0, OR: [{ name: data.name }, { flavorid: data.flavorid }] },
      });
      if (clash) {
        const field = clash.name === data.name ? 'name' : 'flavorid';
        throw conflict(`a flavor with ${field} ${JSON.stringify(data[field])} already exists`, {
          field: `input.${field}`,
        });
      }
      const created = await tx.instanceType.create({ data });
      return reload(tx, created.id);
    });
  },
  deleteFlavor: (_: unknown, args: { id: string }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'deleteFlavor');
    return ctx.prisma.$transaction(async (tx) => {
      const row = await liveFlavor(tx, args.id);
      // deleted = id keeps the (name, deleted) unique key free for a new flavor of that name.
      await tx.instanceType.update({ where: { id: row.id }, data: { deleted: row.id, deletedAt: new Date() } });
      return String(row.id);
    });
  },
  setFlavorExtraSpecs: (_: unknown, args: { id: string; extraSpecs: unknown }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'setFlavorExtraSpecs');
    const specs = args.extraSpecs;
    if (!specs || typeof specs !== 'object' || Array.isArray(specs) || Object.keys(specs).length === 0) {
      throw badInput('extraSpecs', specs, 'a non-empty object of key → string');
    }
    const entries = Object.entries(specs).map(([key, value]) => {
      if (!SPEC_KEY.test(key)) throw badInput('extraSpecs', key, 'keys of 1-255 letters, digits, _, ., -, : or spaces');
      return [key, specValue(key, value)] as const;
    });
    return ctx.prisma.$transaction(async (tx) => {
      const row = await liveFlavor(tx, args.id);
      for (const [key, value] of entries) {
        await tx.instanceTypeExtraSpec.upsert({
          where: { instanceTypeId_key_deleted: { instanceTypeId: row.id, key, deleted: 0 } },
          create: { instanceTypeId: row.id, key, value },
          update: { value, updatedAt: new Date() },
        });
      }
      return reload(tx, row.id);
    });
  },
  unsetFlavorExtraSpec: (_: unknown, args: { id: string; key: string }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'unsetFlavorExtraSpec');
    return ctx.prisma.$transaction(async (tx) => {
      const row = await liveFlavor(tx, args.id);
      const gone = await tx.instanceTypeExtraSpec.deleteMany({
        where: { instanceTypeId: row.id, key: args.key, deleted: 0 },
      });
      if (gone.count === 0) throw notFound(`extra spec of flavor ${row.id}`, args.key);
      return reload(tx, row.id);
    });
  },
  addFlavorAccess: (_: unknown, args: { id: string; projectId: string }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'addFlavorAccess');
    const projectId = name('projectId', args.projectId);
    return ctx.prisma.$transaction(async (tx) => {
      const row = await liveFlavor(tx, args.id);
      if (row.isPublic)
        throw conflict(`flavor ${row.id} is public; access lists are for private flavors`, { field: 'id' });
      if (row.projects.some((p) => p.projectId === projectId))
        throw conflict(`project ${JSON.stringify(projectId)} already has access to flavor ${row.id}`, {
          field: 'projectId',
        });
      await tx.instanceTypeProject.create({ data: { instanceTypeId: row.id, projectId } });
      return reload(tx, row.id);
    });
  },
  removeFlavorAccess: (_: unknown, args: { id: string; projectId: string }, ctx: GlobalContext) => {
    requireAdmin(ctx.identity, 'removeFlavorAccess');
    return ctx.prisma.$transaction(async (tx) => {
      const row = await liveFlavor(tx, args.id);
      const gone = await tx.instanceTypeProject.deleteMany({
        where: { instanceTypeId: row.id, projectId: args.projectId, deleted: 0 },
      });
      if (gone.count === 0) throw notFound(`access of project ${JSON.stringify(args.projectId)} to flavor`, args.id);
      return reload(tx, row.id);
    });
  },
};
