import { dropOwnDatabases, startFleet, type Fleet } from '../../bench/fleet';
import type { Hosting } from '../../bench/options';
import { fleetInstances } from '../../bench/rows';
import { testServices } from './services';

/**
 * A small real bench fleet for a describe block: two cells of 60 instances, started before
 * its tests and closed (databases dropped) after them. `close()` may also be called by a
 * test; it runs once.
 */
export function useBenchFleet(label: string, hosting: Hosting): { fleet(): Fleet; close(): Promise<void> } {
  let fleet: Fleet | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await fleet?.close();
      await dropOwnDatabases(testServices.pgUrl);
    })());
  beforeAll(async () => {
    fleet = await startFleet({
      label,
      cellRows: [fleetInstances(0, 2, 60), fleetInstances(1, 2, 60)],
      hosting,
      pgUrl: testServices.pgUrl,
      cellPoolMax: 2,
    });
  }, 120000);
  afterAll(close);
  return {
    fleet: () => {
      if (!fleet) throw new Error('the bench fleet is not running');
      return fleet;
    },
    close,
  };
}
