import type { CellClient } from '../../prisma/clients';
import type { PlannedInstance } from './demoFleet';

const SLOTS = 8;

/**
 * Each demo host has SLOTS passthrough GPUs; live instances of a PCI flavor take
 * them in plan order. Rows are keyed by (compute node, address), so a rerun adds
 * nothing. Run after the instances exist (pci_devices.instance_uuid references them).
 */
export async function seedPciDevices(cell: CellClient, plans: PlannedInstance[]): Promise<number> {
  const nodes = await cell.computeNode.findMany({
    where: { deleted: 0, host: { not: null } },
    select: { id: true, host: true },
  });
  const rows = nodes.flatMap((node) => {
    const holders = plans.filter(
      (p) => p.host === node.host && p.state !== 'deleted' && p.flavor.extraSpecs['pci_passthrough:alias'],
    );
    return Array.from({ length: SLOTS }, (_, slot) => {
      const holder = holders[slot];
      return {
        computeNodeId: node.id,
        address: `0000:${(0x81 + slot).toString(16)}:00.0`,
        vendorId: '10de',
        productId: '1eb8',
        devType: 'type-PCI',
        devId: `pci_0000_${(0x81 + slot).toString(16)}_00_0`,
        label: 'label_10de_1eb8',
        status: holder ? 'allocated' : 'available',
        instanceUuid: holder?.uuid ?? null,
        numaNode: slot < SLOTS / 2 ? 0 : 1,
        extraInfo: '{}',
      };
    });
  });
  const result = await cell.pciDevice.createMany({ data: rows, skipDuplicates: true });
  return result.count;
}
