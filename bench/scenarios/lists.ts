import { expectData, type TimedAnswer } from '../client';
import { LIST_DASHBOARD, LIST_DETAIL } from '../queries';
import { timedThroughGateway, viaGateway, type LatencyReport, type ScenarioContext } from './context';

/** Throws unless the answer is a complete page of `size` edges. */
export function expectPage(what: string, size: number) {
  return (answer: TimedAnswer): void => {
    const connection = expectData(answer, what).instances;
    if (connection.edges.length !== size)
      throw new Error(
        `${what}: expected ${size} edges, got ${connection.edges.length} (cells ${JSON.stringify(connection.cells)})`,
      );
    if (!connection.complete)
      throw new Error(`${what}: expected complete:true, got cells ${JSON.stringify(connection.cells)}`);
  };
}

/** list-1000-detail: the first 1000 newest instances of every project, detail fields, flavor and cell. */
export async function list1000Detail(ctx: ScenarioContext): Promise<LatencyReport> {
  const { gateway } = ctx.fleet;
  const { report } = await timedThroughGateway(
    ctx,
    gateway,
    () => viaGateway(ctx, gateway, LIST_DETAIL, { first: 1000 }),
    expectPage('list-1000-detail', 1000),
  );
  return report;
}

/** list-1000-next-page: the second page of list-1000-detail, from the first page's endCursor. */
export async function list1000NextPage(ctx: ScenarioContext): Promise<LatencyReport & { cursorBytes: number }> {
  const { gateway } = ctx.fleet;
  const first = await viaGateway(ctx, gateway, LIST_DETAIL, { first: 1000 });
  const after = expectData(first, 'list-1000-detail (for the cursor)').instances.pageInfo.endCursor as string;
  const { report } = await timedThroughGateway(
    ctx,
    gateway,
    () => viaGateway(ctx, gateway, LIST_DETAIL, { first: 1000, after }),
    expectPage('list-1000-next-page', 1000),
  );
  return { ...report, cursorBytes: after.length };
}

/** list-50-dashboard: a dashboard's page of 50 (status, name, flavor, host). */
export async function list50Dashboard(ctx: ScenarioContext): Promise<LatencyReport> {
  const { gateway } = ctx.fleet;
  const { report } = await timedThroughGateway(
    ctx,
    gateway,
    () => viaGateway(ctx, gateway, LIST_DASHBOARD, { first: 50 }),
    expectPage('list-50-dashboard', 50),
  );
  return report;
}
