import { Writable } from 'node:stream';
import pino from 'pino';
import { buildClientSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { mapCell0 } from '../../cellsAdmin';
import { seedInstances } from '../helpers/instances';
import { startTopology, type Topology } from '../helpers/topology';
import type { Dictionary } from './generator';
import type { Target } from './property';

/** The tenant the fuzzer plays, and the project whose data it must never see. */
export const TENANT = 'demo';
export const OTHER = 'alt_demo';

export interface FuzzWorld {
  topology: Topology;
  schema: GraphQLSchema;
  dictionary: Dictionary;
  target: Target;
  stop(): Promise<void>;
}

/**
 * A real topology for the fuzzer: two cells with queues and cell0, instances of two
 * projects in each of the two, a public flavor and a flavor private to the other project; the composed API
 * schema read by introspection through the gateway, as a client would.
 */
export async function startFuzzWorld(): Promise<FuzzWorld> {
  const logs = new ServerLogs();
  const topology = await startTopology({ cells: ['cell1', 'cell2'], queues: true, logger: logs.logger });
  try {
    const [cell1, cell2] = topology.cells;
    // Servers no host takes are buried in cell0, as in every deployment.
    await topology.addCell(
      'cell0',
      async ({ databaseConnection, graphqlUrl }) =>
        (await mapCell0(topology.api, { databaseConnection, graphqlUrl })).cell.uuid,
    );
    await topology.gateway.directory.refresh();
    const publicFlavor = await topology.api.instanceType.create({
      data: { name: 'm1.fuzz', memoryMb: 512, vcpus: 1, rootGb: 1, flavorid: 'fuzz-1' },
    });
    const privateFlavor = await topology.api.instanceType.create({
      data: {
        name: 'alt-private-flavor',
        memoryMb: 1024,
        vcpus: 2,
        flavorid: 'fuzz-alt',
        isPublic: false,
        projects: { create: { projectId: OTHER } },
      },
    });
    const seeded = [
      ...(await seedInstances(cell1, topology.api, {
        count: 8,
        projects: [TENANT, OTHER],
        slot: 0,
        slots: 2,
        flavorId: publicFlavor.id,
      })),
      ...(await seedInstances(cell2, topology.api, {
        count: 8,
        projects: [TENANT, OTHER],
        slot: 1,
        slots: 2,
        vmState: 'stopped',
        flavorId: publicFlavor.id,
      })),
    ];
    const own = seeded.filter((row) => row.projectId === TENANT);
    const other = seeded.filter((row) => row.projectId === OTHER);
    const admin = await topology.token('admin', { admin: true });
    const tenant = await topology.token(TENANT);
    const schema = await introspect(topology, admin);
    const dictionary: Dictionary = {
      ids: [
        ...seeded.map((row) => row.uuid),
        ...topology.cells.map((cell) => cell.uuid),
        String(publicFlavor.id),
        String(privateFlavor.id),
        'fuzz-1',
      ],
      projects: [TENANT, OTHER, 'admin'],
      // Only the tenant's own strings: a server it creates with another project's name would look like a leak.
      strings: [
        ...new Set([
          ...own.map((row) => row.displayName ?? ''),
          'cell1-compute1',
          'cell2-compute1',
          'ACTIVE',
          'SHUTOFF',
          'ERROR',
          'BUILD',
          'cell1',
          'cell2',
          'm1.fuzz',
          'demo-user',
        ]),
      ].filter(Boolean),
    };
    const target: Target = {
      gatewayUrl: topology.gateway.url,
      tokens: { admin, tenant },
      tenant: {
        projectId: TENANT,
        foreignIds: other.map((row) => row.uuid),
        foreignStrings: ['alt-private-flavor', ...other.map((row) => row.displayName ?? '').filter(Boolean)],
      },
      logsFor: (requestId) => logs.of(requestId),
      healthUrls: [topology.gateway.url, topology.global.url, ...topology.cells.map((cell) => cell.subgraph!.url)].map(
        (url) => url.replace(/\/graphql$/, '/healthz'),
      ),
    };
    return { topology, schema, dictionary, target, stop: () => topology.stop() };
  } catch (err) {
    await topology.stop();
    throw err;
  }
}

async function introspect(topology: Topology, token: string): Promise<GraphQLSchema> {
  const answer = await topology.query(getIntrospectionQuery(), {}, token);
  if (answer.status !== 200 || !answer.body.data)
    throw new Error(
      `introspection through the gateway failed: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
    );
  return buildClientSchema(answer.body.data as IntrospectionQuery);
}

/** Warnings and errors the servers logged, by request id: the originals behind `internal error`. */
class ServerLogs {
  private readonly byRequest = new Map<string, string[]>();
  readonly logger = pino(
    { level: 'warn' },
    new Writable({
      write: (chunk, _encoding, done) => {
        this.add(String(chunk));
        done();
      },
    }),
  );

  of(requestId: string): string[] {
    return this.byRequest.get(requestId) ?? [];
  }

  private add(line: string): void {
    let entry: { requestId?: unknown; msg?: unknown; err?: { message?: unknown; type?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof entry.requestId !== 'string') return;
    const text = `${String(entry.msg)}${entry.err ? `: ${String(entry.err.type ?? '')} ${String(entry.err.message ?? '')}` : ''}`;
    const list = this.byRequest.get(entry.requestId) ?? [];
    list.push(text.slice(0, 600));
    this.byRequest.set(entry.requestId, list);
    // Only recent requests matter; keep memory bounded over long runs.
    if (this.byRequest.size > 5000) this.byRequest.delete(this.byRequest.keys().next().value!);
  }
}
