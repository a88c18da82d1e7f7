import type { KeyPair } from '../../../prisma/api/generated/client';
import type { Identity } from '../../../domain/identity';
import { badInput, conflict, forbidden, notFound } from '../../../domain/errors';
import type { GlobalContext } from '../context';
import { generateSshKeyPair, type KeyAlgorithm } from '../keys/generateKeyPair';
import { parseSshPublicKey, parseX509Certificate, PublicKeyError } from '../keys/publicKeys';
import { assertWithinQuota } from '../quotas/quotaCheck';
import { name } from '../validate';

type KeyPairType = 'SSH' | 'X509';

// Nova (microversion 2.92): letters, digits, spaces, '@', '.', '_' and '-'.
const KEY_NAME = /^[A-Za-z0-9 @._-]+$/;

/** The user whose key pairs a call touches: the caller's own, another only for admins. */
function keyOwner(identity: Identity, userId: string | null | undefined): string {
  if (userId == null || userId === identity.userId) return identity.userId;
  if (!identity.isAdmin)
    throw forbidden(`userId: only admins may act on another user's key pairs, not ${JSON.stringify(userId)}`);
  return userId;
}

function keyName(value: unknown): string {
  return name('input.name', value, {
    pattern: KEY_NAME,
    patternText: 'a name of letters, digits, spaces, @, ., _ and -',
  });
}

/** Writes a key pair for the caller within the key_pairs quota; a taken name is CONFLICT. */
function insertKeyPair(
  ctx: GlobalContext,
  data: { name: string; publicKey: string; fingerprint: string; type: string },
): Promise<KeyPair> {
  const userId = ctx.identity.userId;
  return ctx.prisma.$transaction(async (tx) => {
    if (await tx.keyPair.findUnique({ where: { userId_name: { userId, name: data.name } } })) {
      throw conflict(`key pair ${JSON.stringify(data.name)} already exists`, { field: 'input.name' });
    }
    await assertWithinQuota(tx, { projectId: ctx.identity.projectId, userId }, 'key_pairs', () =>
      tx.keyPair.count({ where: { userId } }),
    );
    return tx.keyPair.create({ data: { ...data, userId } });
  });
}

export const keyPairResolvers = {
  Query: {
    keyPairs: (_: unknown, args: { userId?: string | null }, ctx: GlobalContext) =>
      ctx.prisma.keyPair.findMany({ where: { userId: keyOwner(ctx.identity, args.userId) }, orderBy: { name: 'asc' } }),
    keyPair: (_: unknown, args: { name: string; userId?: string | null }, ctx: GlobalContext) =>
      ctx.prisma.keyPair.findUnique({
        where: { userId_name: { userId: keyOwner(ctx.identity, args.userId), name: args.name } },
      }),
  },
  Mutation: {
    createKeyPair: async (
      _: unknown,
      args: { input: { name: string; algorithm?: KeyAlgorithm | null } },
      ctx: GlobalContext,
    ) => {
      const keyPairName = keyName(args.input.name);
      const generated = generateSshKeyPair(args.input.algorithm ?? 'ED25519', `${keyPairName}@cells`);
      const keyPair = await insertKeyPair(ctx, {
        name: keyPairName,
        publicKey: generated.publicKey,
        fingerprint: generated.fingerprint,
        type: 'ssh',
      });
      return { keyPair, privateKey: generated.privateKey };
    },
    importKeyPair: (
      _: unknown,
      args: { input: { name: string; publicKey: string; type?: KeyPairType | null } },
      ctx: GlobalContext,
    ) => {
      const keyPairName = keyName(args.input.name);
      const type = args.input.type ?? 'SSH';
      let parsed;
      try {
        parsed = type === 'SSH' ? parseSshPublicKey(args.input.publicKey) : parseX509Certificate(args.input.publicKey);
      } catch (err) {
        if (err instanceof PublicKeyError)
          throw badInput(
            'input.publicKey',
            args.input.publicKey,
            `a valid ${type === 'SSH' ? 'OpenSSH public key' : 'PEM certificate'}: ${err.message}`,
          );
        throw err;
      }
      return insertKeyPair(ctx, { name: keyPairName, ...parsed, type: type.toLowerCase() });
    },
    deleteKeyPair: async (_: unknown, args: { name: string; userId?: string | null }, ctx: GlobalContext) => {
      const userId = keyOwner(ctx.identity, args.userId);
      const gone = await ctx.prisma.keyPair.deleteMany({ where: { userId, name: args.name } });
      if (gone.count === 0) throw notFound('key pair', args.name);
      return args.name;
    },
  },
  KeyPair: {
    __resolveReference: (ref: { id: string }, ctx: GlobalContext) => {
      const id = Number(ref.id);
      if (!Number.isInteger(id) || id < 1) return null;
      return ctx.prisma.keyPair.findFirst({
        where: { id, ...(ctx.identity.isAdmin ? {} : { userId: ctx.identity.userId }) },
      });
    },
    id: (row: KeyPair) => String(row.id),
    type: (row: KeyPair) => row.type.toUpperCase(),
  },
};
