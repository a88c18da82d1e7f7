import type { Project } from './catalog';
import { seededUuid } from './deterministic';

/** The demo networks: one shared public network and a private one per project. */
export interface DemoNetwork {
  uuid: string;
  label: string;
  cidr: string;
  gateway: string;
  projectId: string | null;
  /** Third octet base for addresses handed out on it. */
  prefix: string;
}

export const PUBLIC_NETWORK: DemoNetwork = {
  uuid: seededUuid('network:public'),
  label: 'public',
  cidr: '172.24.4.0/22',
  gateway: '172.24.4.1',
  projectId: null,
  prefix: '172.24',
};

export function privateNetwork(project: Project): DemoNetwork {
  const octet = { demo: 10, alt_demo: 20, admin: 30 }[project];
  return {
    uuid: seededUuid(`network:private:${project}`),
    label: `private-${project}`,
    cidr: `10.${octet}.0.0/16`,
    gateway: `10.${octet}.0.1`,
    projectId: project,
    prefix: `10.${octet}`,
  };
}

/** A fixed address for instance `n` of a cell on `network`, unique per cell number. */
export function fixedAddress(network: DemoNetwork, cellNumber: number, n: number): string {
  return `${network.prefix}.${cellNumber * 16 + Math.floor(n / 250)}.${(n % 250) + 4}`;
}
