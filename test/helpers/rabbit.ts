import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { TEST_PREFIX, testServices } from './services';

const run = promisify(execFile);

export interface TestVhost {
  name: string;
  /** amqp URL of the vhost, for a cell mapping's transport_url. */
  url: string;
  drop(): Promise<void>;
}

/** A unique RabbitMQ vhost that guest may use; call drop() when done. */
export async function createTestVhost(label = 'cell'): Promise<TestVhost> {
  const name = `${TEST_PREFIX}${process.pid}_${label}_${randomBytes(4).toString('hex')}`;
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `${testServices.amqpUrl}/${encodeURIComponent(name)}`,
    drop: () => rabbitmqctl('delete_vhost', name).then(() => undefined),
  };
}

/** Runs rabbitmqctl with `args`; its output when it succeeds. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run(testServices.rabbitmqctl, ['-q', ...args], { timeout: 30000 });
  return stdout;
}
