import { generateSshKeyPair } from '../../../subgraphs/global/keys/generateKeyPair';
import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';

const CREATE = `mutation ($input: CreateKeyPairInput!) { createKeyPair(input: $input) { privateKey keyPair { id name userId type publicKey fingerprint createdAt } } }`;
const IMPORT = `mutation ($input: ImportKeyPairInput!) { importKeyPair(input: $input) { name userId type fingerprint publicKey } }`;
const LIST = `query ($userId: String) { keyPairs(userId: $userId) { name userId } }`;

describe('key pairs over GraphQL', () => {
  let h: GlobalHarness;
  const alice = user('p1', 'alice');
  const bob = user('p1', 'bob');

  beforeAll(async () => {
    h = await startGlobalHarness('keypairs');
  });
  afterAll(() => h.close());

  it('creates an ed25519 key pair, returning the private key once and storing only the public half', async () => {
    const answer = await h.gql(alice, CREATE, { input: { name: 'laptop' } });
    const created = answer.data!.createKeyPair;
    expect(created.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(created.keyPair).toMatchObject({
      name: 'laptop',
      userId: 'alice',
      type: 'SSH',
      publicKey: expect.stringMatching(/^ssh-ed25519 /),
      fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
    });
    const row = await h.prisma.keyPair.findFirstOrThrow({ where: { name: 'laptop' } });
    expect(JSON.stringify(row)).not.toContain('PRIVATE');
    expect(row.publicKey).toBe(created.keyPair.publicKey);
  });

  it('creates an RSA key pair when asked', async () => {
    const answer = await h.gql(alice, CREATE, { input: { name: 'legacy', algorithm: 'RSA' } });
    expect(answer.data!.createKeyPair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(answer.data!.createKeyPair.keyPair.publicKey).toMatch(/^ssh-rsa /);
  });

  it('imports a public key with the fingerprint Nova would compute', async () => {
    const pair = generateSshKeyPair('ED25519', 'bob@desk');
    const answer = await h.gql(bob, IMPORT, { input: { name: 'desk', publicKey: pair.publicKey } });
    expect(answer.data!.importKeyPair).toEqual({
      name: 'desk',
      userId: 'bob',
      type: 'SSH',
      fingerprint: pair.fingerprint,
      publicKey: pair.publicKey,
    });
  });

  it('refuses a duplicate name for the same user with CONFLICT, but lets another user use it', async () => {
    const dup = await h.gql(alice, CREATE, { input: { name: 'laptop' } });
    expect(codes(dup)).toEqual(['CONFLICT']);
    expect(await h.prisma.keyPair.count({ where: { userId: 'alice', name: 'laptop' } })).toBe(1);
    expect((await h.gql(bob, CREATE, { input: { name: 'laptop' } })).errors).toBeUndefined();
  });

  it('refuses a bad public key and a bad name, naming the field and the value, writing nothing', async () => {
    const before = await h.prisma.keyPair.count();
    const badKey = await h.gql(bob, IMPORT, { input: { name: 'junk', publicKey: 'ssh-rsa AAAAnotakey' } });
    expect(codes(badKey)).toEqual(['BAD_USER_INPUT']);
    expect(badKey.errors![0].message).toMatch(
      /^input.publicKey: expected a valid OpenSSH public key: .*got "ssh-rsa AAAAnotakey"/,
    );
    const badName = await h.gql(bob, CREATE, { input: { name: 'semi;colon' } });
    expect(codes(badName)).toEqual(['BAD_USER_INPUT']);
    expect(badName.errors![0].message).toContain('"semi;colon"');
    const badCert = await h.gql(bob, IMPORT, { input: { name: 'cert', publicKey: 'nope', type: 'X509' } });
    expect(codes(badCert)).toEqual(['BAD_USER_INPUT']);
    expect(await h.prisma.keyPair.count()).toBe(before);
  });

  it('lists and gets only the caller’s own key pairs', async () => {
    expect((await h.gql(alice, LIST)).data!.keyPairs).toEqual([
      { name: 'laptop', userId: 'alice' },
      { name: 'legacy', userId: 'alice' },
    ]);
    const other = await h.gql(alice, `{ keyPair(name: "desk") { name } }`);
    expect(other.data!.keyPair).toBeNull();
  });

  it('refuses a non-admin who names another user, and lets an admin do it', async () => {
    expect(codes(await h.gql(alice, LIST, { userId: 'bob' }))).toEqual(['FORBIDDEN']);
    expect(codes(await h.gql(alice, `mutation { deleteKeyPair(name: "desk", userId: "bob") }`))).toEqual(['FORBIDDEN']);
    expect((await h.gql(ADMIN, LIST, { userId: 'bob' })).data!.keyPairs.map((k: any) => k.name)).toEqual([
      'desk',
      'laptop',
    ]);
    expect((await h.gql(ADMIN, `{ keyPair(name: "desk", userId: "bob") { userId } }`)).data!.keyPair).toEqual({
      userId: 'bob',
    });
  });

  it('deletes a key pair, and answers NOT_FOUND for one that is not there', async () => {
    expect((await h.gql(alice, `mutation { deleteKeyPair(name: "legacy") }`)).data!.deleteKeyPair).toBe('legacy');
    expect(codes(await h.gql(alice, `mutation { deleteKeyPair(name: "legacy") }`))).toEqual(['NOT_FOUND']);
    expect(await h.prisma.keyPair.count({ where: { userId: 'alice' } })).toBe(1);
  });

  it('refuses a key pair past the user’s key_pairs quota', async () => {
    await h.prisma.projectUserQuota.create({
      data: { projectId: 'p1', userId: 'carol', resource: 'key_pairs', hardLimit: 1 },
    });
    const carol = user('p1', 'carol');
    expect((await h.gql(carol, CREATE, { input: { name: 'one' } })).errors).toBeUndefined();
    const over = await h.gql(carol, CREATE, { input: { name: 'two' } });
    expect(codes(over)).toEqual(['QUOTA_EXCEEDED']);
    expect(await h.prisma.keyPair.count({ where: { userId: 'carol' } })).toBe(1);
  });

  it('lets exactly the quota through when creations race', async () => {
    await h.prisma.projectUserQuota.create({
      data: { projectId: 'p1', userId: 'dave', resource: 'key_pairs', hardLimit: 2 },
    });
    const dave = user('p1', 'dave');
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => h.gql(dave, CREATE, { input: { name: `race${n}` } })));
    expect(answers.filter((a) => !a.errors).length).toBe(2);
    expect(answers.flatMap(codes).sort()).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
    expect(await h.prisma.keyPair.count({ where: { userId: 'dave' } })).toBe(2);
  });

  it('resolves a KeyPair entity only for its owner or an admin', async () => {
    const id = String((await h.prisma.keyPair.findFirstOrThrow({ where: { userId: 'alice' } })).id);
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on KeyPair { name } } }`;
    const reps = [{ __typename: 'KeyPair', id }];
    expect((await h.gql(alice, query, { reps })).data!._entities).toEqual([{ name: 'laptop' }]);
    expect((await h.gql(bob, query, { reps })).data!._entities).toEqual([null]);
    expect((await h.gql(ADMIN, query, { reps })).data!._entities).toEqual([{ name: 'laptop' }]);
  });
});
