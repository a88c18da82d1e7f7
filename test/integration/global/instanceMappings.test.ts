import { randomUUID } from 'node:crypto';
import { ADMIN, codes, startGlobalHarness, user, type GlobalHarness } from './globalHarness';
import { SERVICE_IDENTITY } from '../../../domain/identity';

const QUERY = `query ($uuids: [ID!], $projectId: String, $cellUuid: ID, $q: Boolean, $first: Int) {
  instanceMappings(uuids: $uuids, projectId: $projectId, cellUuid: $cellUuid, includeQueuedForDelete: $q, first: $first) {
    instanceUuid projectId userId queuedForDelete cellUuid cell { name } instance { uuid } createdAt
  }
}`;

describe('instanceMappings, the router look-up', () => {
  let h: GlobalHarness;
  const a = randomUUID(); // p1, cell1
  const b = randomUUID(); // p1, cell1, queued for delete
  const c = randomUUID(); // p2, cell2
  const d = randomUUID(); // p1, not yet placed
  let cell1Uuid = '';

  beforeAll(async () => {
    h = await startGlobalHarness('mappings');
    const [c1, c2] = await Promise.all(
      ['cell1', 'cell2'].map((name) =>
        h.prisma.cellMapping.create({
          data: { uuid: randomUUID(), name, transportUrl: 'none:///', databaseConnection: `postgresql://x/${name}` },
        }),
      ),
    );
    cell1Uuid = c1.uuid;
    await h.prisma.instanceMapping.create({ data: { instanceUuid: a, cellId: c1.id, projectId: 'p1', userId: 'u1' } });
    await h.prisma.instanceMapping.create({
      data: { instanceUuid: b, cellId: c1.id, projectId: 'p1', queuedForDelete: true },
    });
    await h.prisma.instanceMapping.create({ data: { instanceUuid: c, cellId: c2.id, projectId: 'p2' } });
    await h.prisma.instanceMapping.create({ data: { instanceUuid: d, cellId: null, projectId: 'p1' } });
  });
  afterAll(() => h.close());

  const uuidsOf = (answer: any) => answer.data.instanceMappings.map((m: any) => m.instanceUuid);

  it('answers the mappings of the given uuids with their cells, skipping queued-for-delete ones by default', async () => {
    const answer = await h.gql(SERVICE_IDENTITY, QUERY, { uuids: [a, b, c, d, randomUUID()] });
    expect(uuidsOf(answer)).toEqual([a, c, d]);
    expect(answer.data!.instanceMappings[0]).toMatchObject({
      projectId: 'p1',
      userId: 'u1',
      queuedForDelete: false,
      cellUuid: cell1Uuid,
      cell: { name: 'cell1' },
      instance: { uuid: a },
    });
    expect(answer.data!.instanceMappings[2]).toMatchObject({ cellUuid: null, cell: null });
  });

  it('includes queued-for-delete mappings when asked', async () => {
    expect(uuidsOf(await h.gql(ADMIN, QUERY, { uuids: [a, b], q: true }))).toEqual([a, b]);
  });

  it('filters by project and by cell, bounded by first', async () => {
    expect(uuidsOf(await h.gql(ADMIN, QUERY, { projectId: 'p1' }))).toEqual([a, d]);
    expect(uuidsOf(await h.gql(ADMIN, QUERY, { cellUuid: cell1Uuid, q: true }))).toEqual([a, b]);
    expect(uuidsOf(await h.gql(ADMIN, QUERY, { first: 1 }))).toEqual([a]);
  });

  it('gives a non-admin only their own project, even for uuids of others', async () => {
    expect(uuidsOf(await h.gql(user('p2'), QUERY, { uuids: [a, c] }))).toEqual([c]);
    expect(uuidsOf(await h.gql(user('p1'), QUERY, {}))).toEqual([a, d]);
    expect(codes(await h.gql(user('p1'), QUERY, { projectId: 'p2' }))).toEqual(['FORBIDDEN']);
  });

  it('refuses more than 1000 uuids and a first outside 1..1000', async () => {
    const many = Array.from({ length: 1001 }, () => randomUUID());
    const tooMany = await h.gql(ADMIN, QUERY, { uuids: many });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0].message).toMatch(/uuids: expected at most 1000, got "1001 uuids"/);
    expect(codes(await h.gql(ADMIN, QUERY, { first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(ADMIN, QUERY, { first: 1001 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers exactly 1000 uuids in one SQL statement', async () => {
    const many = [a, ...Array.from({ length: 999 }, () => randomUUID())];
    h.statements.length = 0;
    expect(uuidsOf(await h.gql(SERVICE_IDENTITY, QUERY, { uuids: many }))).toEqual([a]);
    expect(h.statements.filter((sql) => /instance_mappings/.test(sql))).toHaveLength(1);
  });
});

describe('instanceMappings for UNKNOWN records', () => {
  let h: GlobalHarness;
  const cells: { id: number; uuid: string }[] = [];
  const uuids = Array.from({ length: 6 }, () => randomUUID()).sort();
  let flavorId = 0;
  const KNOWN = `query ($cellUuids: [ID!], $afterUuid: ID, $first: Int, $order: InstanceMappingOrder) {
    instanceMappings(cellUuids: $cellUuids, afterUuid: $afterUuid, first: $first, order: $order) { instanceUuid createdAt flavor { id name } availabilityZone }
  }`;

  beforeAll(async () => {
    h = await startGlobalHarness('mappings_unknown');
    for (const name of ['c1', 'c2', 'c3'])
      cells.push(
        await h.prisma.cellMapping.create({
          data: { uuid: randomUUID(), name, transportUrl: 'none:///', databaseConnection: `postgresql://x/${name}` },
        }),
      );
    flavorId = (
      await h.prisma.instanceType.create({
        data: { name: 'm1.small', flavorid: '2', memoryMb: 2048, vcpus: 1, rootGb: 20 },
      })
    ).id;
    // Created in reverse uuid order, so creation order and uuid order differ.
    for (const [i, uuid] of [...uuids].reverse().entries()) {
      await h.prisma.instanceMapping.create({ data: { instanceUuid: uuid, cellId: cells[i % 3].id, projectId: 'p1' } });
    }
    const [withId, byName] = [...uuids].reverse();
    await h.prisma.requestSpec.create({
      data: {
        instanceUuid: withId,
        spec: JSON.stringify({ flavor: { id: flavorId, name: 'renamed since' }, availability_zone: 'az1' }),
      },
    });
    await h.prisma.requestSpec.create({
      data: { instanceUuid: byName, spec: JSON.stringify({ flavor: { name: 'm1.small' } }) },
    });
  });
  afterAll(() => h.close());

  const uuidsOf = (answer: any) => answer.data.instanceMappings.map((m: any) => m.instanceUuid);

  it('lists several cells by instance uuid, continuing after a uuid', async () => {
    const both = [cells[0].uuid, cells[1].uuid];
    const inBoth = [...uuids]
      .reverse()
      .filter((_, i) => i % 3 !== 2)
      .sort();
    expect(uuidsOf(await h.gql(SERVICE_IDENTITY, KNOWN, { cellUuids: both, order: 'UUID' }))).toEqual(inBoth);
    expect(
      uuidsOf(await h.gql(SERVICE_IDENTITY, KNOWN, { cellUuids: both, order: 'UUID', afterUuid: inBoth[1], first: 2 })),
    ).toEqual(inBoth.slice(2, 4));
    expect(uuidsOf(await h.gql(SERVICE_IDENTITY, KNOWN, { cellUuids: both }))).toEqual(
      [...uuids].reverse().filter((_, i) => i % 3 !== 2),
    );
  });

  it('refuses afterUuid without order UUID', async () => {
    expect(codes(await h.gql(SERVICE_IDENTITY, KNOWN, { afterUuid: uuids[0] }))).toEqual(['BAD_USER_INPUT']);
  });

  it("gives the request spec's flavor (by id, or by name without one) and zone, and null without a spec", async () => {
    const answer = await h.gql(SERVICE_IDENTITY, KNOWN, { order: 'UUID' });
    const byUuid = new Map(answer.data!.instanceMappings.map((m: any) => [m.instanceUuid, m]));
    const [withId, byName, none] = [...uuids].reverse();
    expect(byUuid.get(withId)).toMatchObject({
      flavor: { id: String(flavorId), name: 'm1.small' },
      availabilityZone: 'az1',
      createdAt: expect.any(String),
    });
    expect(byUuid.get(byName)).toMatchObject({ flavor: { id: String(flavorId) }, availabilityZone: null });
    expect(byUuid.get(none)).toMatchObject({ flavor: null, availabilityZone: null });
  });
});
