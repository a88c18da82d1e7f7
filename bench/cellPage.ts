/**
 * `npx tsx bench/cellPage.ts [count]`: SQL statements and time for one page of 1000
 * instances with every nested field, from one cell subgraph over a throw-away database.
 * Prints JSON. Not a test: numbers depend on the machine.
 */
import { randomUUID } from 'node:crypto';
import { createCellClient } from '../prisma/clients';
import { withDatabase } from '../prisma/databaseUrl';
import { dropDatabase, ensureDatabase } from '../prisma/databases';
import { migrate } from '../prisma/migrate';
import { startCellSubgraph } from '../subgraphs/cell/server';
import { identityHeaders, SERVICE_IDENTITY } from '../domain/identity';
import { ALL_INSTANCE_FIELDS } from './queries';

const SECRET = 'bench-internal-secret';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const url = withDatabase(
    process.env.CELLS_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432',
    `cells_bench_page_${process.pid}`,
  );
  await ensureDatabase(url);
  await migrate(url, 'cell');
  const statements: string[] = [];
  const subgraph = await startCellSubgraph({
    cellUuid: randomUUID(),
    cellName: 'bench',
    databaseUrl: url,
    transportUrl: 'none:///',
    port: 0,
    internalSecret: SECRET,
    onQuery: (sql) => statements.push(sql),
  });
  try {
    await seed(url, count);
    const query = `query($first: Int) { instances(filter: { allProjects: true }, first: $first) { edges { cursor node { ${ALL_INSTANCE_FIELDS} } } pageInfo { hasNextPage } } }`;
    const runs: { ms: number; statements: number; bytes: number }[] = [];
    for (let i = 0; i < 6; i++) {
      statements.length = 0;
      const started = performance.now();
      const response = await fetch(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...identityHeaders(SERVICE_IDENTITY, SECRET) },
        body: JSON.stringify({ query, variables: { first: Math.min(count, 1000) } }),
      });
      const text = await response.text();
      runs.push({ ms: Math.round(performance.now() - started), statements: statements.length, bytes: text.length });
    }
    const warm = runs
      .slice(1)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    console.log(
      JSON.stringify(
        {
          instances: count,
          page: Math.min(count, 1000),
          statementsPerPage: runs[0].statements,
          coldMs: runs[0].ms,
          warmMedianMs: warm[Math.floor(warm.length / 2)],
          warmMinMs: warm[0],
          responseBytes: runs[0].bytes,
        },
        null,
        2,
      ),
    );
  } finally {
    await subgraph.close();
    await dropDatabase(url);
  }
}

// createMany per table: the bench measures reading, so seeding should be quick.
async function seed(url: string, count: number): Promise<void> {
  const db = createCellClient(url);
  const uuids = Array.from({ length: count }, () => randomUUID());
  const now = Date.now();
  await db.instance.createMany({
    data: uuids.map((uuid, i) => ({
      uuid,
      projectId: `p${i % 10}`,
      userId: 'u',
      displayName: `vm-${i}`,
      vmState: 'active',
      powerState: 1,
      host: 'compute1',
      node: 'compute1',
      instanceTypeId: 1,
      createdAt: new Date(now - i * 1000),
      launchedAt: new Date(now - i * 1000),
    })),
  });
  const per = <T>(f: (uuid: string, i: number) => T): T[] => uuids.map(f);
  await db.instanceMetadata.createMany({ data: per((instanceUuid) => ({ instanceUuid, key: 'role', value: 'web' })) });
  await db.instanceSystemMetadata.createMany({
    data: per((instanceUuid) => ({ instanceUuid, key: 'image_base_image_ref', value: 'img' })),
  });
  await db.instanceInfoCache.createMany({
    data: per((instanceUuid) => ({ instanceUuid, networkInfo: '[{"id":"port","address":"fa:16:3e:00:00:01"}]' })),
  });
  await db.instanceExtra.createMany({
    data: per((instanceUuid) => ({ instanceUuid, flavor: '{"cur":{"name":"m1.tiny"}}' })),
  });
  await db.instanceFault.createMany({ data: per((instanceUuid) => ({ instanceUuid, code: 500, message: 'fault' })) });
  await db.instanceAction.createMany({
    data: per((instanceUuid, i) => ({ instanceUuid, action: 'create', requestId: `req-${i}`, startTime: new Date() })),
  });
  const actions = await db.instanceAction.findMany({ select: { id: true } });
  await db.instanceActionEvent.createMany({
    data: actions.map((a) => ({ actionId: a.id, event: 'compute_build_and_run_instance', result: 'Success' })),
  });
  await db.blockDeviceMapping.createMany({
    data: per((instanceUuid) => ({
      instanceUuid,
      uuid: randomUUID(),
      sourceType: 'image',
      destinationType: 'local',
      bootIndex: 0,
    })),
  });
  await db.virtualInterface.createMany({
    data: per((instanceUuid, i) => ({ instanceUuid, uuid: randomUUID(), address: `fa:16:3e:${i}` })),
  });
  const node = await db.computeNode.create({
    data: {
      host: 'compute1',
      vcpus: 8,
      memoryMb: 8192,
      localGb: 100,
      hypervisorType: 'fake',
      hypervisorVersion: 1,
      cpuInfo: '{}',
    },
  });
  await db.pciDevice.createMany({
    data: per((instanceUuid, i) => ({
      instanceUuid,
      computeNodeId: node.id,
      address: `a${i}`,
      vendorId: '8086',
      productId: '1520',
      devType: 'type-VF',
      label: 'l',
      status: 'allocated',
    })),
  });
  await db.$disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
