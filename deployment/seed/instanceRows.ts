import { seededMac, seededUuid } from './deterministic';
import type { PlannedInstance } from './demoFleet';
import { fixedAddress, privateNetwork } from './networks';

const MINUTE = 60_000;
const later = (date: Date, minutes: number) => new Date(date.getTime() + minutes * MINUTE);

/**
 * The instances row of a planned instance (without `deleted`, which Nova sets to the
 * row id); `flavorIds` maps a flavor name to its instance_types.id in the API database.
 */
export function instanceRow(p: PlannedInstance, flavorIds: Map<string, number>) {
  const launchedAt = p.row.launched ? later(p.createdAt, 1) : null;
  const deletedAt = p.state === 'deleted' ? later(p.createdAt, 60 * 24 * 3) : null;
  return {
    uuid: p.uuid,
    userId: p.user,
    projectId: p.project,
    imageRef: p.image.id,
    hostname: p.displayName,
    launchIndex: 0,
    keyName: `${p.user}-key`,
    powerState: p.row.powerState,
    vmState: p.row.vmState,
    taskState: p.row.taskState,
    memoryMb: p.flavor.memoryMb,
    vcpus: p.flavor.vcpus,
    rootGb: p.flavor.rootGb,
    ephemeralGb: p.flavor.ephemeralGb ?? 0,
    instanceTypeId: flavorIds.get(p.flavor.name) ?? null,
    host: p.host,
    node: p.host,
    launchedOn: p.row.launched ? p.host : null,
    reservationId: `r-${p.uuid.slice(0, 8)}`,
    launchedAt,
    terminatedAt: deletedAt,
    availabilityZone: 'nova',
    displayName: p.displayName,
    displayDescription: `${p.displayName} (demo)`,
    osType: p.image.osType,
    architecture: 'x86_64',
    rootDeviceName: '/dev/vda',
    configDrive: '',
    progress: p.state === 'building' ? 40 : 0,
    cellName: p.cellName,
    createdAt: p.createdAt,
    updatedAt: p.index % 4 === 0 ? null : later(p.createdAt, 30 + (p.index % 7) * 90),
    deletedAt,
  };
}

/** network_info as Nova caches it: one VIF on the project's private network. */
export function networkInfo(p: PlannedInstance, cellNumber: number): string {
  const network = privateNetwork(p.project);
  const vif = seededUuid(`vif:${p.uuid}`);
  const ips =
    p.row.onHost && p.host
      ? [{ address: fixedAddress(network, cellNumber, p.index), type: 'fixed', version: 4, floating_ips: [] }]
      : [];
  return JSON.stringify([
    {
      id: vif,
      address: seededMac(p.uuid),
      type: 'ovs',
      devname: `tap${vif.slice(0, 11)}`,
      active: p.row.powerState === 1,
      network: {
        id: network.uuid,
        label: network.label,
        bridge: 'br-int',
        subnets: [
          { cidr: network.cidr, gateway: { address: network.gateway, type: 'gateway', version: 4 }, ips, version: 4 },
        ],
        meta: { injected: false, tenant_id: p.project, mtu: 1450 },
      },
      details: { port_filter: true, ovs_hybrid_plug: false },
      preserve_on_delete: false,
    },
  ]);
}

/** instance_extra.flavor as Nova stores it (a versioned Flavor object). */
export function extraFlavor(p: PlannedInstance): string {
  const f = p.flavor;
  const data = {
    name: f.name,
    flavorid: f.flavorid,
    vcpus: f.vcpus,
    memory_mb: f.memoryMb,
    root_gb: f.rootGb,
    ephemeral_gb: f.ephemeralGb ?? 0,
    swap: f.swap ?? 0,
    is_public: f.isPublic,
    extra_specs: f.extraSpecs,
  };
  return JSON.stringify({
    cur: { 'nova_object.name': 'Flavor', 'nova_object.version': '1.2', 'nova_object.data': data },
    old: null,
    new: null,
  });
}

export function userMetadata(p: PlannedInstance): Record<string, string> {
  const metadata: Record<string, string> = {
    role: p.displayName.split('-')[0],
    env: p.index % 3 === 0 ? 'production' : 'staging',
  };
  if (p.index % 5 === 0) metadata.owner = `${p.user}@example.org`;
  return metadata;
}

export function systemMetadata(p: PlannedInstance): Record<string, string> {
  return {
    image_base_image_ref: p.image.id,
    image_image_name: p.image.name,
    image_os_type: p.image.osType,
    image_min_disk: p.image.minDisk,
    owner_user_name: p.user,
    owner_project_name: p.project,
    boot_roles: p.project === 'admin' ? 'admin,member,reader' : 'member,reader',
  };
}
