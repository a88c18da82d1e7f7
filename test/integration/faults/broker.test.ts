import { computeQueue } from '../../../domain/computeMessages';
import { clearMemoryAlarm, deleteQueue, raiseMemoryAlarm, startBroker, stopBroker } from '../../helpers/faults';
import { rabbitmqctl } from '../../helpers/rabbit';
import { declareHostQueues, prepareWorld } from './scenario';
import { describeFault } from './verdicts';
import { startWorld, type World } from './world';

// The only file that takes the whole broker down (stop_app, the memory alarm): other
// suites share the broker, so each window lasts only while its operations run, and is
// always restored in `finally` (describeFault's observe). cell2's host has the most
// free RAM: the scheduler picks it first.
describe('fault matrix: the broker fails', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({
      cells: [
        { name: 'cell0', cell0: true },
        { name: 'cell1', queue: true, hosts: [{ host: 'compute1', memoryMb: 16384 }] },
        { name: 'cell2', queue: true, hosts: [{ host: 'compute2', memoryMb: 65536 }] },
      ],
    });
    await prepareWorld(world);
  }, 120000);
  afterAll(() => world?.stop());

  const w = () => world;
  const cells = (world: World) => ({
    victim: world.cell('cell2'),
    healthy: world.cell('cell1'),
    actionCell: world.cell('cell2'),
  });

  describeFault(w, 'mq-vhost-deleted', (world) => ({
    ...cells(world),
    inject: () => rabbitmqctl('delete_vhost', world.cell('cell2').vhost!.name).then(() => undefined),
    restore: async () => {
      const vhost = world.cell('cell2').vhost!.name;
      await rabbitmqctl('add_vhost', vhost);
      await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      await declareHostQueues(world.cell('cell2'));
    },
  }));

  describeFault(w, 'mq-queue-deleted', (world) => ({
    ...cells(world),
    inject: () => deleteQueue(world.cell('cell2').vhost!.url, computeQueue('compute2')),
    restore: () => declareHostQueues(world.cell('cell2')),
  }));

  describeFault(w, 'mq-memory-alarm', (world) => ({
    ...cells(world),
    inject: raiseMemoryAlarm,
    restore: clearMemoryAlarm,
    // A publish the broker took in while blocked would surface now, as a message without its action.
    settleMs: 1500,
  }));

  describeFault(w, 'mq-stopped', (world) => ({
    ...cells(world),
    inject: stopBroker,
    restore: startBroker,
  }));
});
