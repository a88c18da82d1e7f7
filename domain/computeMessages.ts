/**
 * The messages a cell subgraph publishes on `compute.<host>` and the compute agent
 * consumes: Nova's compute RPC method names, the instance, and the request id that
 * ties the message to its instance action (and makes redelivery idempotent).
 */

export const COMPUTE_METHODS = [
  'build_and_run_instance',
  'reboot_instance',
  'stop_instance',
  'start_instance',
  'terminate_instance',
  'pause_instance',
  'unpause_instance',
  'suspend_instance',
  'resume_instance',
] as const;

export type ComputeMethod = (typeof COMPUTE_METHODS)[number];

export interface ComputeMessage {
  method: ComputeMethod;
  instanceUuid: string;
  requestId: string;
  host: string;
  /** reboot_instance: SOFT or HARD. */
  rebootType?: 'SOFT' | 'HARD';
  sentAt: string;
}

/** The durable queue of one compute host. */
export function computeQueue(host: string): string {
  return `compute.${host}`;
}

/** The instance-action event Nova records for a compute method (`compute_<method>`). */
export function eventName(method: ComputeMethod): string {
  return `compute_${method}`;
}

/** Parses a delivered body; an Error (never a throw) for anything that is not a ComputeMessage. */
export function parseComputeMessage(body: Buffer): ComputeMessage | Error {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return new Error(`message is not JSON: ${(err as Error).message}`);
  }
  const m = value as Partial<ComputeMessage> | null;
  if (!m || typeof m !== 'object') return new Error('message is not an object');
  if (!COMPUTE_METHODS.includes(m.method as ComputeMethod))
    return new Error(`unknown method ${JSON.stringify(m.method)}`);
  if (typeof m.instanceUuid !== 'string' || typeof m.requestId !== 'string' || typeof m.host !== 'string') {
    return new Error('message lacks instanceUuid, requestId or host');
  }
  return m as ComputeMessage;
}
