import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { RequestBudget } from '../../../gateway/cellRouter/requestBudget';
import { DEFAULT_FIRST, estimate } from '../../../gateway/limits';
import { composeSupergraph } from '../../../gateway/supergraph';
import { LIST_DETAIL } from '../../../bench/queries';

const schema = Supergraph.build(composeSupergraph()).apiSchema().toGraphQLJSSchema();
const cost = (query: string, cells: number, variables: Record<string, unknown> = {}) =>
  estimate(schema, parse(query), undefined, variables, cells);

describe('the cost of an operation, counted the way the router works', () => {
  const list = (args: string) => `{ instances${args} { edges { node { uuid displayName } } } }`;
  // instances 1 + first x reach x (edges 1 + node 1 + uuid 1 + displayName 1)
  const perRow = 4;

  it('counts a list without `first` at the router default, per cell it can reach', () => {
    expect(cost(list(''), 1)).toBe(1 + DEFAULT_FIRST * perRow);
    expect(cost(list(''), 3)).toBe(1 + DEFAULT_FIRST * 3 * perRow);
    expect(cost(list('(first: 10)'), 3)).toBe(1 + 10 * 3 * perRow);
  });

  it('counts one cell for filter.cellUuid and no more cells than filter.uuids names', () => {
    const cell = '00000000-0000-0000-0000-000000000001';
    expect(cost(list(`(first: 10, filter: { cellUuid: "${cell}" })`), 5)).toBe(1 + 10 * perRow);
    expect(cost(list(`(first: 10, filter: { uuids: ["${cell}", "${cell}"] })`), 5)).toBe(1 + 10 * 2 * perRow);
  });

  it('reads first from coerced variables', () => {
    expect(cost('query($n: Int) { instances(first: $n) { complete } }', 2, { n: 100 })).toBe(1 + 100 * 2 * 1);
  });

  it('adds every alias of a fan-out as a scatter of its own', () => {
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: instances { edges { node { uuid } } }`).join(' ');
    expect(cost(`{ ${aliases} }`, 3)).toBe(300 * (1 + DEFAULT_FIRST * 3 * 3));
  });

  it('answers Infinity (refused as too complex) instead of throwing past the node limit', () => {
    // Each fragment spreads the next twice: a few hundred tokens, 2^15 visited nodes.
    const levels = 15;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Query { ${i === levels - 1 ? '__typename' : `...F${i + 1} ...F${i + 1}`} }`,
    ).join('\n');
    expect(cost(`{ ...F0 }\n${fragments}`, 1)).toBe(Infinity);
  });

  it('keeps a 1000-row detail page over 10 cells (the benchmark) under the default limit of 1,000,000', () => {
    const detail = cost(LIST_DETAIL, 10, { first: 1000 });
    expect(detail).toBeGreaterThan(250_000);
    expect(detail).toBeLessThan(1_000_000);
  });
});

describe('the per-request budget of cell requests in flight', () => {
  it('never runs more than its maximum at once and runs every task, in order', async () => {
    const budget = new RequestBudget(2);
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      budget.run(async () => {
        started.push(i);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => releases.push(resolve));
        inFlight--;
        return i;
      }),
    );
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(budget.peak).toBe(2);
  });

  it('frees the slot of a task that fails', async () => {
    const budget = new RequestBudget(1);
    await expect(budget.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(budget.run(async () => 'next')).resolves.toBe('next');
  });
});
