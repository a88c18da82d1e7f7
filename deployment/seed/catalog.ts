/** The demo cloud's fixed catalogue: projects, users, flavors, quotas. */

export const PROJECTS = ['demo', 'alt_demo', 'admin'] as const;
export type Project = (typeof PROJECTS)[number];

/** Users of each project (user ids as the JWTs of `npm run token` carry them). */
export const USERS: Record<Project, string[]> = {
  demo: ['demo', 'demo2'],
  alt_demo: ['alt_demo'],
  admin: ['admin'],
};

export interface FlavorSpec {
  name: string;
  flavorid: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb?: number;
  swap?: number;
  isPublic: boolean;
  description: string;
  extraSpecs: Record<string, string>;
  /** Projects allowed to use a private flavor. */
  projects?: Project[];
}

export const FLAVORS: FlavorSpec[] = [
  {
    name: 'm1.tiny',
    flavorid: '1',
    vcpus: 1,
    memoryMb: 512,
    rootGb: 1,
    isPublic: true,
    description: 'Tiny test instance',
    extraSpecs: { 'hw:cpu_policy': 'shared' },
  },
  {
    name: 'm1.small',
    flavorid: '2',
    vcpus: 1,
    memoryMb: 2048,
    rootGb: 20,
    isPublic: true,
    description: 'Small instance',
    extraSpecs: { 'hw:cpu_policy': 'shared', 'quota:disk_read_iops_sec': '500' },
  },
  {
    name: 'm1.medium',
    flavorid: '3',
    vcpus: 2,
    memoryMb: 4096,
    rootGb: 40,
    isPublic: true,
    description: 'Medium instance',
    extraSpecs: { 'hw:cpu_policy': 'shared', 'hw:mem_page_size': 'any' },
  },
  {
    name: 'm1.large',
    flavorid: '4',
    vcpus: 4,
    memoryMb: 8192,
    rootGb: 80,
    ephemeralGb: 10,
    isPublic: true,
    description: 'Large instance',
    extraSpecs: { 'hw:cpu_policy': 'shared', 'hw:numa_nodes': '1' },
  },
  {
    name: 'm1.xlarge',
    flavorid: '5',
    vcpus: 8,
    memoryMb: 16384,
    rootGb: 160,
    ephemeralGb: 20,
    swap: 2048,
    isPublic: true,
    description: 'Extra large instance',
    extraSpecs: { 'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': '2', 'hw:cpu_thread_policy': 'prefer' },
  },
  {
    name: 'g1.gpu',
    flavorid: 'gpu-1',
    vcpus: 8,
    memoryMb: 32768,
    rootGb: 100,
    isPublic: false,
    description: 'Private GPU flavor with a PCI passthrough device',
    extraSpecs: { 'pci_passthrough:alias': 'nvidia-t4:1', 'hw:cpu_policy': 'dedicated' },
    projects: ['alt_demo', 'admin'],
  },
];

/** Nova's default quota class (`default`), -1 meaning unlimited. */
export const DEFAULT_QUOTA_CLASS: Record<string, number> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  key_pairs: 100,
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  security_groups: 10,
  security_group_rules: 20,
  server_groups: 10,
  server_group_members: 10,
};

/** Per-project limits above the default, so the seeded fleet fits with room to create more. */
export const PROJECT_QUOTAS: Record<Project, Record<string, number>> = {
  demo: { instances: 250, cores: 1000, ram: 2_000_000 },
  alt_demo: { instances: 150, cores: 600, ram: 1_200_000 },
  admin: { instances: -1, cores: -1, ram: -1 },
};

/** A per-user limit inside a project (project_user_quotas). */
export const USER_QUOTAS: Array<{ project: Project; user: string; resource: string; hardLimit: number }> = [
  { project: 'demo', user: 'demo2', resource: 'instances', hardLimit: 100 },
];

/** Demo hosts per cell and their capacity (enough for the seeded fleet and more). */
export const DEMO_HOSTS: Record<string, string[]> = {
  cell1: ['compute1', 'compute2'],
  cell2: ['compute3', 'compute4'],
};
export const HOST_CAPACITY = { vcpus: 256, memoryMb: 1_048_576, localGb: 20_000 };

export const IMAGES = [
  { id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'cirros-0.6.2', osType: 'linux', minDisk: '1' },
  { id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'ubuntu-24.04', osType: 'linux', minDisk: '10' },
  { id: 'a1b2c3d4-0000-4000-8000-000000000003', name: 'windows-2022', osType: 'windows', minDisk: '40' },
];
