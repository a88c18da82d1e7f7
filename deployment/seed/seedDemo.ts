import type { ApiClient, CellClient } from '../../prisma/clients';
import type { CellMapping } from '../../prisma/api/generated/client';
import { planDemoFleet, type PlannedInstance } from './demoFleet';
import { seedAccess } from './seedAccess';
import { seedCellInstances } from './seedCellInstances';
import { seedFlavors } from './seedFlavors';
import { seedMappings } from './seedMappings';
import { seedPciDevices } from './seedPciDevices';
import { seedQuotaLimits, seedQuotaUsages } from './seedQuotas';

export interface SeedCell {
  mapping: CellMapping;
  client: CellClient;
}

export interface SeedResult {
  /** Instances written this run, per cell name (0 everywhere on a rerun). */
  instancesWritten: Record<string, number>;
  fleetSize: number;
}

/**
 * The demo data: flavors, quotas, key pairs, security groups, networks in the API
 * database; the fleet in cell0/cell1/cell2 (by cell name) with instance mappings
 * and quota usages. Idempotent: deterministic ids, and only missing rows are written.
 */
export async function seedDemo(
  api: ApiClient,
  cells: Map<string, SeedCell>,
  options: { perCell?: number } = {},
): Promise<SeedResult> {
  const flavorIds = await seedFlavors(api);
  await seedQuotaLimits(api);
  await seedAccess(api);
  const fleet = planDemoFleet(options.perCell ?? 150).filter((p) => cells.has(p.cellName));
  const instancesWritten: Record<string, number> = {};
  for (const [cellNumber, [name, cell]] of [...cells.entries()].entries()) {
    const plans = fleet.filter((p: PlannedInstance) => p.cellName === name);
    instancesWritten[name] = (await seedCellInstances(cell.client, plans, cellNumber, flavorIds)).length;
    await seedPciDevices(cell.client, plans);
  }
  await seedMappings(api, fleet, new Map([...cells].map(([name, cell]) => [name, cell.mapping])));
  await seedQuotaUsages(api, fleet);
  return { instancesWritten, fleetSize: fleet.length };
}
