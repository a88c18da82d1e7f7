import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startComputeAgent } from '../../../compute/agent';
import { launchBrowser, screenshot } from '../../helpers/browser';
import { seedInstances } from '../../helpers/instances';
import { startEventWorld, type EventWorld } from '../gateway/events/eventWorld';

/**
 * The dashboard in headless Chromium against a real topology: two cells with their own
 * databases, vhosts and compute agents, the gateway serving the built pages.
 */
describe('the dashboard in a browser', () => {
  let world: EventWorld;
  let browser: Browser;
  let page: Page;
  let base: string;
  let all: string[];

  beforeAll(async () => {
    world = await startEventWorld();
    const [cell1, cell2] = world.topo.cells;
    // alt_demo lives in both cells, so its list shows UNKNOWN records when one is down.
    const more = [
      ...(await seedInstances(cell1, world.topo.api, { count: 14, projects: ['demo', 'alt_demo'], slot: 0, slots: 2 })),
      ...(await seedInstances(cell2, world.topo.api, { count: 15, projects: ['alt_demo'], slot: 1, slots: 2 })),
    ];
    all = [...world.demo, ...world.alt, ...more].map((i) => i.uuid);
    base = world.topo.gateway.url.replace(/\/graphql$/, '');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  }, 90000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('signs in with a pasted token and shows who is signed in', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('Bearer token').waitFor();
    // This gateway has its own secret: no one-click sign-in.
    expect(await page.getByRole('button', { name: 'Sign in as admin' }).count()).toBe(0);
    await page.getByLabel('Bearer token').fill('not a token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').getByText('That is not a JWT').waitFor();
    await page.getByLabel('Bearer token').fill(world.tokens.admin);
    await screenshot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('who').getByText('admin-user · project admin · admin').waitFor();
  });

  it('opens GraphiQL, served from the gateway, introspecting with the signed-in token', async () => {
    const introspection = page.waitForResponse(
      (res) =>
        res.url() === world.topo.gateway.url &&
        res.request().headers().authorization === `Bearer ${world.tokens.admin}` &&
        (res.request().postData() ?? '').includes('IntrospectionQuery'),
    );
    await page.goto(`${base}/graphiql`);
    expect((await introspection).status()).toBe(200);
    await page.locator('.graphiql-container').waitFor();
    await screenshot(page, 'graphiql');
  });

  it('shows one card per cell with its status, latency and instance count', async () => {
    await page.goto(`${base}/`);
    for (const cell of world.topo.cells) {
      const card = page.locator(`[data-testid=cell-card][data-cell="${cell.name}"][data-status=OK]`);
      await card.waitFor();
      const count = await world.topo.api.instanceMapping.count({ where: { cell: { uuid: cell.uuid } } });
      expect(await card.getByTestId('cell-total').textContent()).toBe(String(count));
      expect(await card.locator('.latency').textContent()).toMatch(/^\d+ ms$/);
    }
    expect(await page.getByTestId('cell-card').count()).toBe(world.topo.cells.length);
    await screenshot(page, 'overview');
  });

  it('pages through the instance table reaching every instance exactly once', async () => {
    await page.goto(`${base}/instances?size=10`);
    const seen: string[] = [];
    for (let n = 1; ; n++) {
      await page.getByTestId('page-number').getByText(`Page ${n}`, { exact: true }).waitFor();
      await page.locator('.table-wrap[aria-busy=false]').waitFor();
      // The rows of this page, not the last answer kept on screen while it loaded.
      await page.waitForFunction(
        (previous) => {
          const first = (globalThis as any).document
            .querySelector('[data-testid=instance-row]')
            ?.getAttribute('data-uuid');
          return first !== undefined && first !== previous;
        },
        seen[seen.length - 10] ?? null,
      );
      seen.push(...(await page.getByTestId('instance-row').evaluateAll((rows) => rows.map((r) => r.dataset.uuid!))));
      if (n === 1) await screenshot(page, 'instances');
      const next = page.getByRole('button', { name: 'Next' });
      if (await next.isDisabled()) break;
      await next.click();
    }
    expect(seen.length).toBe(all.length);
    expect([...seen].sort()).toEqual([...all].sort());
    expect(await page.getByTestId('incomplete-banner').count()).toBe(0);
  });

  it('shows a page size from the address in the Per page select, beside the usual ones', async () => {
    await page.goto(`${base}/instances?size=7`);
    await page.locator('.table-wrap[aria-busy=false]').waitFor();
    await page.getByTestId('instance-row').nth(6).waitFor();
    expect(await page.getByTestId('instance-row').count()).toBe(7);
    expect(await page.getByLabel('Per page').inputValue()).toBe('7');
    expect(await page.getByLabel('Per page').locator('option').allTextContents()).toEqual([
      '7',
      '10',
      '25',
      '50',
      '100',
    ]);
  });

  it('runs an action from the detail page, shows the refusal of an impossible one, and updates live', async () => {
    const target = world.demo[0];
    await page.goto(`${base}/instances/${target.uuid}`);
    await page.getByTestId('fact-status').getByText('ACTIVE', { exact: true }).waitFor();
    await page.getByText('subscribed').waitFor();
    await page.evaluate(() => ((globalThis as any).noReload = true));
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('action-outcome').getByText('Stop accepted').waitFor();
    // Only the subscription brings the agent's end event and the state it left.
    await page.getByTestId('live-events').getByText('instance.power_off.end').waitFor({ timeout: 20000 });
    await page.getByTestId('fact-status').getByText('SHUTOFF', { exact: true }).waitFor();
    const row = await world.topo.cells[0].prisma.instance.findUniqueOrThrow({ where: { uuid: target.uuid } });
    expect(row.vmState).toBe('stopped'); // the compute agent did it
    await page.getByTestId('action-list').getByText('stop', { exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).noReload)).toBe(true);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .getByTestId('action-outcome')
      .getByText(/^Stop refused: .+/)
      .waitFor();
    await screenshot(page, 'detail');
  });

  it('measures the load time of the pages over 1000 instances (reported, never asserted)', async () => {
    const [cell1, cell2] = world.topo.cells;
    // The admin project's, so the other projects' lists stay as they were.
    const missing = 1000 - all.length;
    const half = Math.floor(missing / 2);
    const older = new Date(Date.UTC(2025, 0, 1));
    await seedInstances(cell1, world.topo.api, {
      count: half,
      projects: ['admin'],
      base: older,
    });
    await seedInstances(cell2, world.topo.api, {
      count: missing - half,
      projects: ['admin'],
      base: older,
    });
    // Timed from navigation until the page is drawn; the first load also fetches the assets.
    const timed = async (path: string, runs: number, rendered: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = Date.now();
        await page.goto(`${base}${path}`);
        await rendered();
        ms.push(Date.now() - started);
      }
      return { firstMs: ms[0], warmMs: ms.slice(1) };
    };
    const table = (rows: number) => async () => {
      await page.locator('.table-wrap[aria-busy=false]').waitFor();
      await page
        .getByTestId('instance-row')
        .nth(rows - 1)
        .waitFor();
    };
    const results = {
      instances: 1000,
      cells: world.topo.cells.length,
      'instances page, 25 rows (default)': await timed('/instances', 3, table(25)),
      'instances page, 1000 rows': await timed('/instances?size=1000', 2, table(1000)),
      'cells overview (every card counted)': await timed('/', 2, () =>
        page
          .locator('[data-testid=cell-card][data-status=OK]')
          .nth(world.topo.cells.length - 1)
          .waitFor(),
      ),
    };
    const dir = join(__dirname, '..', '..', '..', 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'dashboard-load.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`dashboard load times: ${JSON.stringify(results)}`);
    expect(await page.getByTestId('instance-row').count()).toBe(0); // the overview has no table
    expect(await world.topo.api.instanceMapping.count()).toBe(1000);
  });

  it('shows a host whose compute agent stopped as DOWN once the down time has passed', async () => {
    const cell1 = world.topo.cells[0];
    const host = `${cell1.name}-compute1`;
    // The operator's discover-hosts: the host mappings the gateway lists a down cell's hosts from.
    const discovered = await world.topo.query('mutation { discoverHosts { host } }', {}, world.tokens.admin);
    expect(discovered.body.errors).toBeUndefined();
    // A short down time, and an agent for the host reporting well within it.
    const downTimeS = 3;
    await cell1.stop();
    await cell1.start({ serviceDownTimeS: downTimeS });
    const first = world.agents.findIndex((a) => a.hosts.includes(host));
    await world.agents.splice(first, 1)[0].close();
    const agent = await startComputeAgent({
      cellUuid: cell1.uuid,
      databaseUrl: cell1.db.url,
      transportUrl: cell1.vhost!.url,
      hosts: [host],
      heartbeatMs: 300,
    });
    const row = page.locator(`[data-testid=host-row][data-host="${host}"]`);
    // Asks the gateway again and waits for its answer to be drawn.
    const refresh = async () => {
      const answered = page.waitForResponse(
        (res) => res.url() === world.topo.gateway.url && (res.request().postData() ?? '').includes('query Hosts'),
      );
      await page.getByRole('button', { name: 'Refresh' }).click();
      await answered;
      await page.locator('.table-wrap[aria-busy=false]').waitFor();
    };
    try {
      await page.goto(`${base}/hosts?host=${host}`);
      await row.and(page.locator('[data-state=UP]')).waitFor();
      expect(await row.getByTestId('host-state').textContent()).toBe('\u2713 UP');
      // Still UP a down time later: the heartbeat keeps it so.
      await new Promise((resolve) => setTimeout(resolve, downTimeS * 1000 + 500));
      await refresh();
      expect(await row.getAttribute('data-state')).toBe('UP');
    } finally {
      await agent.close();
    }
    const stopped = Date.now();
    for (;;) {
      await refresh();
      if ((await row.getAttribute('data-state')) === 'DOWN') break;
      expect(Date.now() - stopped).toBeLessThan(downTimeS * 1000 + 10000);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(downTimeS * 1000 - 1000);
    expect(await row.getByTestId('host-state').textContent()).toBe('\u2717 DOWN');
    expect(await page.getByTestId('incomplete-banner').count()).toBe(0);
    await screenshot(page, 'hosts-down');
    // The overview card counts it down, with its capacity bars.
    await page.goto(`${base}/`);
    const card = page.locator(`[data-testid=cell-card][data-cell="${cell1.name}"]`);
    await card.locator('[data-testid=cell-capacity][data-summary=ok]').waitFor();
    expect(await card.getByTestId('cell-hosts').textContent()).toMatch(/^Hosts: 0 up, 1 down/);
    await card.getByLabel('vCPUs').waitFor();
  });

  it('names a cell that went down in a banner, marks it, and shows its instances as UNKNOWN', async () => {
    const down = world.topo.cells[1];
    await down.stop();
    await page.goto(`${base}/instances?project=alt_demo&size=50`);
    const banner = page.getByTestId('incomplete-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Cell ${down.name} did not answer`);
    await page.locator(`[data-testid=cell-row][data-cell="${down.name}"][data-status=UNAVAILABLE]`).waitFor();
    await page.setViewportSize({ width: 1200, height: 720 }); // small enough for the README
    await screenshot(page, 'instances-cell-down');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.locator('tr.unknown').first().waitFor();
    await page.goto(`${base}/`);
    await page.locator(`[data-testid=cell-card][data-cell="${down.name}"][data-status=UNAVAILABLE]`).waitFor();
    await page.locator(`[data-testid=cell-card][data-cell="${world.topo.cells[0].name}"][data-status=OK]`).waitFor();
    await screenshot(page, 'overview-cell-down');
  });

  it('lists the hosts of the cell that went down as UNKNOWN, and its card without a summary', async () => {
    const down = world.topo.cells[1];
    const host = `${down.name}-compute1`;
    await page.goto(`${base}/hosts`);
    const row = page.locator(`[data-testid=host-row][data-host="${host}"]`);
    await row.and(page.locator('[data-state=UNKNOWN]')).waitFor();
    expect(await row.getByTestId('host-state').textContent()).toBe('? UNKNOWN');
    expect(await page.getByTestId('incomplete-banner').textContent()).toContain(`Cell ${down.name} did not answer`);
    await page.locator(`[data-testid=cell-row][data-cell="${down.name}"][data-status=UNAVAILABLE]`).waitFor();
    // The other cell's host is still listed from its cell, DOWN since its agent stopped.
    await page
      .locator(`[data-testid=host-row][data-host="${world.topo.cells[0].name}-compute1"][data-state=DOWN]`)
      .waitFor();
    await screenshot(page, 'hosts-cell-down');
    await page.goto(`${base}/`);
    const card = page.locator(`[data-testid=cell-card][data-cell="${down.name}"]`);
    await card.locator('[data-testid=cell-capacity][data-summary=missing]').waitFor();
    expect(await card.getByTestId('cell-capacity').textContent()).toMatch(/^Hosts and capacity: UNAVAILABLE/);
  });
});
