import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page, Route } from 'playwright-core';
import { signToken } from '../../../gateway/auth';
import { webApp } from '../../../gateway/webApp';
import { SUMMARY_FIELD } from '../../../dashboard/src/hostsApi';
import { launchBrowser, screenshot } from '../../helpers/browser';

/**
 * The built Hosts page and overview cards drawn in headless Chromium from fixed gateway
 * answers (the pages' rendering only; dashboard.test.ts drives them against a real topology).
 */
const CELL1 = '11111111-1111-4111-8111-111111111111';
const CELL2 = '22222222-2222-4222-8222-222222222222';
const ok = (cellUuid: string, cellName: string) => ({ cellUuid, cellName, status: 'OK', message: null, elapsedMs: 4 });
const unavailable = (cellUuid: string, cellName: string) => ({
  cellUuid,
  cellName,
  status: 'UNAVAILABLE',
  message: 'cell unavailable',
  elapsedMs: 2,
});
const cellRows = [ok(CELL1, 'cell1'), unavailable(CELL2, 'cell2')];
// A host of a cell that did not answer is known only by its mapping: no binary, flags or report.
const service = (cellUuid: string, host: string, state: string) => ({
  cellUuid,
  host,
  binary: state === 'UNKNOWN' ? null : 'nova-compute',
  disabled: state === 'UNKNOWN' ? null : host === 'cell1-compute3',
  disabledReason: host === 'cell1-compute3' ? 'maintenance' : null,
  forcedDown: state === 'UNKNOWN' ? null : false,
  lastSeenUp: state === 'UNKNOWN' ? null : '2026-12-02T15:00:00.000Z',
  state,
});
const node = (host: string) => ({
  cellUuid: CELL1,
  host,
  hypervisorHostname: host,
  vcpus: 16,
  vcpusUsed: 6,
  memoryMb: 32768,
  memoryMbUsed: 4096,
  localGb: 500,
  localGbUsed: 40,
  runningVms: 3,
});
const connection = <T>(nodes: T[], hasNextPage = false) => ({
  edges: nodes.map((n, i) => ({ cursor: `cursor-${i}`, node: n })),
  pageInfo: { hasNextPage, endCursor: hasNextPage ? 'cursor-next' : null },
  complete: false,
  cells: cellRows,
});
const summary = {
  cellUuid: CELL1,
  cellName: 'cell1',
  instancesByStatus: [{ status: 'ACTIVE', count: 2 }],
  hostsUp: 2,
  hostsDown: 1,
  capacity: {
    vcpus: 48,
    vcpusUsed: 12,
    vcpusFree: 36,
    memoryMb: 98304,
    memoryMbUsed: 8192,
    memoryMbFree: 90112,
    localGb: 1500,
    localGbUsed: 1400,
    localGbFree: 100,
  },
};

describe('the Hosts page and the overview cards, drawn from fixed answers', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  const hostsVariables: Record<string, unknown>[] = [];

  const answer = (route: Route) => {
    const body = route.request().postDataJSON() as { operationName?: string; variables?: Record<string, unknown> };
    const data: Record<string, unknown> = {
      Cells: {
        cells: [
          { uuid: CELL1, name: 'cell1', disabled: false, isCell0: false },
          { uuid: CELL2, name: 'cell2', disabled: false, isCell0: false },
        ],
      },
      CellInstances: {
        instances: {
          edges: [{ node: { uuid: 'x', status: 'ACTIVE' } }],
          pageInfo: { hasNextPage: false },
          cells: cellRows,
        },
      },
      CellSummaries: {
        [SUMMARY_FIELD]: [
          { ...ok(CELL1, 'cell1'), summary },
          { ...unavailable(CELL2, 'cell2'), summary: null },
        ],
      },
      Hosts: {
        computeServices: connection(
          [
            service(CELL1, 'cell1-compute1', 'UP'),
            service(CELL1, 'cell1-compute2', 'DOWN'),
            service(CELL1, 'cell1-compute3', 'UP'),
            service(CELL2, 'cell2-compute1', 'UNKNOWN'),
          ],
          true,
        ),
        computeNodes: connection([node('cell1-compute1'), node('cell1-compute2'), node('cell1-compute3')]),
        cells: [
          { uuid: CELL1, name: 'cell1' },
          { uuid: CELL2, name: 'cell2' },
        ],
      },
    };
    if (body.operationName === 'Hosts') hostsVariables.push(body.variables ?? {});
    return route.fulfill({ json: { data: data[body.operationName ?? ''] ?? null } });
  };

  beforeAll(async () => {
    const web = webApp();
    server = createServer((req, res) => {
      void web(req, res, new URL(req.url ?? '/', 'http://x').pathname).then((served) => {
        if (!served) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = await signToken({
      secret: 'unused-here',
      userId: 'admin-user',
      projectId: 'admin',
      roles: ['admin'],
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.route('**/graphql', answer);
    await page.goto(`${base}/sign-in`);
    await page.evaluate((t) => (globalThis as any).localStorage.setItem('cells.token', t), token);
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('marks DOWN and UNKNOWN hosts in text, joins the nodes, names the missing cell, and pages', async () => {
    await page.goto(`${base}/hosts`);
    await page.getByRole('link', { name: 'Hosts' }).and(page.locator('[aria-current=page]')).waitFor();
    await page.getByTestId('host-row').nth(3).waitFor();
    const rows = await page
      .getByTestId('host-row')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.dataset.host, tr.querySelector('[data-testid=host-state]')!.textContent, tr.className]),
      );
    expect(rows).toEqual([
      ['cell1-compute1', '\u2713 UP', 'host-up'],
      ['cell1-compute2', '\u2717 DOWN', 'host-down'],
      ['cell1-compute3', '\u2713 UP', 'host-up'],
      ['cell2-compute1', '? UNKNOWN', 'host-unknown'],
    ]);
    const down = page.locator('[data-testid=host-row][data-host=cell1-compute2]');
    expect(await down.locator('td').nth(5).textContent()).toBe('6 / 16'); // its node's vCPUs
    const unknown = page.locator('[data-testid=host-row][data-host=cell2-compute1]');
    expect(await unknown.locator('td').nth(5).textContent()).toBe('—');
    expect(await unknown.locator('td').nth(1).textContent()).toBe('—'); // no binary
    expect(await unknown.locator('td').nth(3).textContent()).toBe('—'); // disabled: not known
    expect(await page.locator('[data-host=cell1-compute3] td').nth(3).textContent()).toBe('yes: maintenance');
    expect(await page.getByTestId('incomplete-banner').textContent()).toContain('Cell cell2 did not answer');
    await screenshot(page, 'hosts-fixed');

    // Filters go to the gateway as set, from the keyboard; Next asks for the page after the cursor.
    await page.getByLabel('State').selectOption('DOWN');
    await page.getByLabel('Host').fill('cell1');
    await page.getByLabel('Host').press('Enter');
    await page.waitForFunction(() => (globalThis as any).location.search === '?host=cell1&state=DOWN&size=25');
    expect(hostsVariables.at(-1)).toEqual({
      services: { host: 'cell1', state: 'DOWN' },
      nodes: { host: 'cell1' },
      first: 25,
      after: null,
    });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('page-number').getByText('Page 2').waitFor();
    expect(hostsVariables.at(-1)).toMatchObject({ after: 'cursor-next' });
  });

  it('draws hosts up/down and capacity bars on a card, and the status of a cell without a summary', async () => {
    await page.goto(`${base}/`);
    const cell1 = page.locator('[data-testid=cell-card][data-cell=cell1]');
    await cell1.locator('[data-testid=cell-capacity][data-summary=ok]').waitFor();
    expect(await cell1.getByTestId('cell-hosts').textContent()).toMatch(/^Hosts: 2 up, 1 down/);
    expect(await cell1.getByLabel('vCPUs').getAttribute('value')).toBe('12');
    expect(await cell1.getByLabel('Disk').getAttribute('max')).toBe('1500');
    expect(await cell1.getByText('1400 / 1500 GB (93%)').count()).toBe(1);
    const cell2 = page.locator('[data-testid=cell-card][data-cell=cell2]');
    const missing = cell2.locator('[data-testid=cell-capacity][data-summary=missing]');
    await missing.waitFor();
    expect(await missing.textContent()).toBe('Hosts and capacity: UNAVAILABLE: cell unavailable');
    await screenshot(page, 'overview-fixed');
  });
});
