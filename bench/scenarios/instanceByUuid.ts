import { expectData, type TimedAnswer } from '../client';
import { INSTANCE_BY_UUID } from '../queries';
import type { BenchInstance } from '../rows';
import { timedThroughGateway, viaGateway, type LatencyReport, type ScenarioContext } from './context';

/**
 * instance-by-uuid: one instance with every nested field, at random uuids. Cold: the
 * gateway's mapping cache is cleared before every run (untimed), so each run looks the
 * mapping up in the global subgraph. Warm: the same uuids again, mappings cached.
 */
export async function instanceByUuid(ctx: ScenarioContext): Promise<{ cold: LatencyReport; warm: LatencyReport }> {
  const { gateway } = ctx.fleet;
  const all = ctx.fleet.cells.flatMap((c) => c.rows);
  const picks = Array.from(
    { length: ctx.options.warmup + ctx.options.runs },
    () => all[Math.floor(Math.random() * all.length)],
  );
  // Warm-up runs get negative indexes: map them onto the picks after the timed ones.
  const pick = (i: number): BenchInstance => picks[i < 0 ? ctx.options.runs - i - 1 : i];
  const send = (i: number) => viaGateway(ctx, gateway, INSTANCE_BY_UUID, { uuid: pick(i).uuid });
  const check = (i: () => number) => (answer: TimedAnswer) => {
    const instance = expectData(answer, 'instance-by-uuid').instance;
    if (instance?.uuid !== pick(i()).uuid)
      throw new Error(`instance-by-uuid: expected ${pick(i()).uuid}, got ${JSON.stringify(instance?.uuid)}`);
    if (!instance.cell?.name || !instance.flavor?.name)
      throw new Error(
        `instance-by-uuid: expected cell and flavor, got ${JSON.stringify({ cell: instance.cell, flavor: instance.flavor })}`,
      );
  };
  let current = 0;
  const track = (i: number) => void (current = i);
  const cold = await timedThroughGateway(
    ctx,
    gateway,
    send,
    check(() => current),
    (i) => {
      track(i);
      void gateway.mappingCache.clear();
    },
  );
  // Every pick was just looked up; look the same ones up again with the cache filled.
  for (const p of picks) await viaGateway(ctx, gateway, INSTANCE_BY_UUID, { uuid: p.uuid });
  const warm = await timedThroughGateway(
    ctx,
    gateway,
    send,
    check(() => current),
    track,
  );
  return { cold: cold.report, warm: warm.report };
}
