import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { seedInstances, type SeededInstance } from '../../helpers/instances';
import { startTopology, TEST_JWT_SECRET, TEST_SECRET, type Topology } from '../../helpers/topology';
import { encodeIdentity, identityHeaders, identityOf, InternalHeaders } from '../../../domain/identity';

// A token with any claims, signed with the gateway's real key: what a misconfigured
// identity provider (or a hostile one trusted by mistake) could issue.
const tokenWith = (claims: Record<string, unknown>, sub = 'demo-user') =>
  new SignJWT({ project_id: 'demo', roles: ['member'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));

// An identity header for a payload of our choosing, MAC'd with `secret` as the encoder would.
function craftedIdentity(json: string, secret = TEST_SECRET): string {
  const bytes = Buffer.from(json, 'utf8');
  const key = createHmac('sha256', secret).update('cells identity v1').digest();
  return `v1.${bytes.toString('base64url')}.${createHmac('sha256', key).update(bytes).digest('base64url')}`;
}

async function direct(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('a hostile tenant trying to become admin or another project', () => {
  let topo: Topology;
  let demo: SeededInstance[];
  let alt: SeededInstance[];
  let member: string;
  const cellRequests = () => [...topo.gateway.router.requestsByCell.values()].reduce((a, b) => a + b, 0);
  const ADMIN_QUERIES = {
    hosts: '{ hosts { host } }',
    allProjects: '{ instances(first: 50, filter: { allProjects: true }) { edges { node { uuid projectId } } } }',
  };

  beforeAll(async () => {
    topo = await startTopology({ cells: ['cell1', 'cell2'] });
    demo = await seedInstances(topo.cells[0], topo.api, { count: 3, projects: ['demo'] });
    alt = await seedInstances(topo.cells[1], topo.api, { count: 3, projects: ['alt_demo'] });
    await topo.api.hostMapping.create({
      data: {
        host: 'compute9',
        cellId: (await topo.api.cellMapping.findFirstOrThrow({ where: { uuid: topo.cells[0].uuid } })).id,
      },
    });
    member = await topo.token('demo');
  });
  afterAll(() => topo?.stop());

  describe('is refused at the gateway with 401 naming the claim, before any cell is asked', () => {
    it.each([
      [
        'roles ["member, admin"]',
        { roles: ['member, admin'] },
        'token claim roles: expected an array of at most 32 roles, each matching ^[a-z][a-z0-9_-]{0,31}$, got "member, admin"',
      ],
      [
        'roles [" admin"]',
        { roles: [' admin'] },
        'token claim roles: expected an array of at most 32 roles, each matching ^[a-z][a-z0-9_-]{0,31}$, got " admin"',
      ],
      [
        'roles ["admin "]',
        { roles: ['admin '] },
        'token claim roles: expected an array of at most 32 roles, each matching ^[a-z][a-z0-9_-]{0,31}$, got "admin "',
      ],
      [
        'project_id " alt_demo"',
        { project_id: ' alt_demo' },
        'token claim project_id: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, got " alt_demo"',
      ],
      [
        'project_id "alt_demo,demo"',
        { project_id: 'alt_demo,demo' },
        'token claim project_id: expected an id matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, got "alt_demo,demo"',
      ],
    ])('%s', async (_name, claims, message) => {
      const token = await tokenWith(claims);
      const before = cellRequests();
      for (const query of [
        ADMIN_QUERIES.hosts,
        ADMIN_QUERIES.allProjects,
        `{ instance(uuid: "${alt[0].uuid}") { uuid } }`,
        '{ quotaSet(projectId: "alt_demo") { projectId } }',
      ]) {
        const res = await topo.query(query, {}, token);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      expect(cellRequests()).toBe(before);
    });

    it('a subject with whitespace', async () => {
      const res = await topo.query(ADMIN_QUERIES.hosts, {}, await tokenWith({}, 'demo-user '));
      expect(res.status).toBe(401);
      expect(res.body.errors[0].message).toMatch(/^token claim sub: expected an id matching .*, got "demo-user "$/);
    });
  });

  describe('as a well-formed member of demo, stays a member of demo', () => {
    it('cannot run hosts or list every project', async () => {
      const hosts = await topo.query(ADMIN_QUERIES.hosts, {}, member);
      expect(hosts.body.data).toBeNull();
      expect(hosts.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const all = await topo.query(ADMIN_QUERIES.allProjects, {}, member);
      expect(all.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(all.body)).not.toContain('alt_demo');
    });

    it('cannot read another project’s instance or its quota set', async () => {
      const instance = await topo.query(
        `{ instance(uuid: "${alt[0].uuid}") { uuid projectId cell { name } } }`,
        {},
        member,
      );
      expect(instance.body).toEqual({ data: { instance: null } });
      const quota = await topo.query(
        '{ quotaSet(projectId: "alt_demo") { projectId resources { resource limit } } }',
        {},
        member,
      );
      expect(quota.body.data).toBeNull();
      expect(quota.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const own = await topo.query(`{ instance(uuid: "${demo[0].uuid}") { uuid cell { name } } }`, {}, member);
      expect(own.body.data.instance).toEqual({ uuid: demo[0].uuid, cell: { name: 'cell1' } });
    });

    it('does not learn which cell holds another project’s instance', async () => {
      const mappings = await topo.query(
        `{ instanceMappings(uuids: ["${alt[0].uuid}", "${demo[0].uuid}"]) { instanceUuid cellUuid } }`,
        {},
        member,
      );
      expect(mappings.body.data.instanceMappings).toEqual([
        { instanceUuid: demo[0].uuid, cellUuid: topo.cells[0].uuid },
      ]);
      const named = await topo.query(
        `{ instanceMappings(projectId: "alt_demo") { instanceUuid cellUuid } }`,
        {},
        member,
      );
      expect(named.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const cells = await topo.query('{ projectCells(projectId: "alt_demo") { uuid } }', {}, member);
      expect(cells.body.errors[0].extensions.code).toBe('FORBIDDEN');
      // Asked of the global subgraph directly, as the gateway's planner would ask it.
      const entities = await direct(
        topo.global.url,
        identityHeaders(identityOf('demo-user', 'demo', ['member']), TEST_SECRET),
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Instance { uuid cell { uuid name } mapping { projectId } } } }',
        {
          r: [
            { __typename: 'Instance', uuid: alt[0].uuid },
            { __typename: 'Instance', uuid: demo[0].uuid },
          ],
        },
      );
      expect(entities.body.data._entities).toEqual([
        { uuid: alt[0].uuid, cell: null, mapping: null },
        { uuid: demo[0].uuid, cell: { uuid: topo.cells[0].uuid, name: 'cell1' }, mapping: { projectId: 'demo' } },
      ]);
    });

    it('does not learn it from an error either, when that cell is down', async () => {
      await topo.cells[1].stop();
      try {
        const instance = await topo.query(`{ instance(uuid: "${alt[0].uuid}") { uuid status } }`, {}, member);
        expect(instance.body).toEqual({ data: { instance: null } });
        const reboot = await topo.query(`mutation { rebootInstance(uuid: "${alt[0].uuid}") { action } }`, {}, member);
        expect(reboot.body.errors[0].extensions.code).toBe('NOT_FOUND');
        expect(JSON.stringify(reboot.body)).not.toContain(topo.cells[1].uuid);
        // An admin still gets the partial answer that says which cell is down.
        const admin = await topo.query(
          `{ instance(uuid: "${alt[0].uuid}") { uuid status } }`,
          {},
          await topo.token('admin', { admin: true }),
        );
        expect(admin.body.errors[0].extensions).toMatchObject({
          code: 'CELL_UNAVAILABLE',
          cellUuid: topo.cells[1].uuid,
        });
      } finally {
        await topo.cells[1].start();
      }
    });
  });

  describe('calling a subgraph directly', () => {
    const adminHosts = '{ hosts { host } }';
    const altInstance = () => `{ instance(uuid: "${alt[0].uuid}") { uuid projectId } }`;
    const iat = () => Math.floor(Date.now() / 1000);

    it('is refused 401 with the old split headers, even with the right secret', async () => {
      const old = {
        'x-cells-internal-secret': TEST_SECRET,
        'x-cells-user-id': 'demo-user',
        'x-cells-project-id': ' alt_demo',
        'x-cells-roles': 'member, admin',
      };
      for (const url of [topo.global.url, topo.cells[1].subgraph!.url]) {
        const res = await direct(url, old, url === topo.global.url ? adminHosts : altInstance());
        expect(res.status).toBe(401);
        expect(res.body.errors[0]).toEqual({
          message: `missing ${InternalHeaders.identity} header`,
          extensions: { code: 'UNAUTHENTICATED' },
        });
      }
    });

    it('is refused 401 with an identity forged without the internal secret', async () => {
      const forged = encodeIdentity(identityOf('demo-user', 'alt_demo', ['admin']), 'a-guess-at-the-secret');
      for (const url of [topo.global.url, topo.cells[1].subgraph!.url]) {
        const res = await direct(
          url,
          { [InternalHeaders.identity]: forged },
          url === topo.global.url ? adminHosts : altInstance(),
        );
        expect(res.status).toBe(401);
        expect(res.body.errors[0].message).toMatch(/MAC mismatch/);
      }
    });

    it('is refused 401 with a captured identity whose roles or project were altered', async () => {
      const captured = identityHeaders(identityOf('demo-user', 'demo', ['member']), TEST_SECRET)[
        InternalHeaders.identity
      ];
      const [version, payload, tag] = captured.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      for (const change of [{ r: ['member', 'admin'] }, { p: 'alt_demo' }]) {
        const altered = `${version}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${tag}`;
        const res = await direct(topo.cells[1].subgraph!.url, { [InternalHeaders.identity]: altered }, altInstance());
        expect(res.status).toBe(401);
        expect(res.body.errors[0].message).toMatch(/MAC mismatch/);
      }
    });

    it('is refused 401 for the escalating claims even when MAC’d with the real secret', async () => {
      for (const json of [
        `{"u":"demo-user","p":"demo","r":["member, admin"],"iat":${iat()},"exp":${iat() + 60}}`,
        `{"u":"demo-user","p":"demo","r":[" admin"],"iat":${iat()},"exp":${iat() + 60}}`,
        `{"u":"demo-user","p":" alt_demo","r":["member"],"iat":${iat()},"exp":${iat() + 60}}`,
      ]) {
        const res = await direct(topo.global.url, { [InternalHeaders.identity]: craftedIdentity(json) }, adminHosts);
        expect(res.status).toBe(401);
        expect(res.body.errors[0].message).toMatch(/breaks the rules/);
      }
    });

    it('answers a genuine forwarded identity as that identity and no more', async () => {
      const headers = identityHeaders(identityOf('demo-user', 'demo', ['member']), TEST_SECRET);
      const hosts = await direct(topo.global.url, headers, adminHosts);
      expect(hosts.status).toBe(200);
      expect(hosts.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const instance = await direct(topo.cells[1].subgraph!.url, headers, altInstance());
      expect(instance.body).toEqual({ data: { instance: null } });
    });
  });
});
