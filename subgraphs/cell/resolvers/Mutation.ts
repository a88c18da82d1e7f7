import type { ActionName } from '../actionRules';
import { buildInstance, type BuildInput } from '../buildInstance';
import type { CellContext } from '../context';
import { runAction } from '../instanceActions';

type UuidArgs = { uuid: string };

function action(name: ActionName) {
  return (_: unknown, args: UuidArgs, ctx: CellContext) => runAction(ctx, args.uuid, name);
}

export const Mutation = {
  rebootInstance: (_: unknown, args: UuidArgs & { hard?: boolean | null }, ctx: CellContext) =>
    runAction(ctx, args.uuid, 'reboot', { hard: args.hard ?? false }),
  stopInstance: action('stop'),
  startInstance: action('start'),
  deleteInstance: action('delete'),
  pauseInstance: action('pause'),
  unpauseInstance: action('unpause'),
  suspendInstance: action('suspend'),
  resumeInstance: action('resume'),
  lockInstance: (_: unknown, args: UuidArgs & { reason?: string | null }, ctx: CellContext) =>
    runAction(ctx, args.uuid, 'lock', { reason: args.reason }),
  unlockInstance: action('unlock'),
  /** @inaccessible in the supergraph: only the scheduler calls it, directly, with the internal secret. */
  buildInstance: (_: unknown, args: { input: BuildInput }, ctx: CellContext) => buildInstance(ctx, args.input),
};
