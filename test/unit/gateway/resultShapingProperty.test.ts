import {
  buildSchema,
  isCompositeType,
  isListType,
  isNonNullType,
  operationFromDocument,
  possibleRuntimeTypes,
  type CompositeType,
  type Operation,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import fc from 'fast-check';
import { parse, validate } from 'graphql';
import { apolloResponse, shapeCompiled } from '../../../gateway/resultShaping';

/*
 * The compiled shaping against Apollo Gateway's own computeResponse, for any operation over
 * a schema with what shaping has to handle (interfaces, a union, enums, custom scalars,
 * lists of non-null, aliases, repeated response names, fragments, @skip/@include) and any
 * data the plan could have merged: clean, or with the faults Apollo answers with errors.
 * Where the compiled walk answers, its data must be Apollo's; where it declines, Apollo
 * answers. The test also checks that clean data is answered by the compiled walk.
 */

const SDL = `
  scalar JSON
  enum Status { ACTIVE ERROR BUILD }
  interface Node { id: ID! }
  union Result = Instance | Flavor
  type Query {
    instances(first: Int): Conn!
    node(id: ID!): Node
    search: [Result!]
    flavors: [Flavor]!
    count: Int
    ratio: Float
    ok: Boolean
  }
  type Conn { edges: [Edge!]! complete: Boolean! cells: [CellStatus!]! total: Int }
  type Edge { cursor: String! node: Instance }
  type Instance implements Node {
    id: ID! uuid: String! status: Status! vcpus: Int ratio: Float meta: JSON tags: [String!] flavor: Flavor cell: Cell!
  }
  type Flavor implements Node { id: ID! name: String vcpus: Int! }
  type Cell { name: String status: Status }
  type CellStatus { cellName: String! status: Status! }
`;
const schema = buildSchema(SDL);
const graphqlSchema = schema.toGraphQLJSSchema();

const directive = fc.constantFrom(
  '',
  '',
  '',
  ' @include(if: $a)',
  ' @skip(if: $b)',
  ' @include(if: true)',
  ' @skip(if: true)',
);
const alias = fc.constantFrom('', '', 'x: ', 'y: ');
const sel = (parts: fc.Arbitrary<string>[]) =>
  fc.array(fc.oneof(...parts), { minLength: 1, maxLength: 5 }).map((p) => p.join(' '));
const field = (names: string[]) =>
  fc.tuple(alias, fc.constantFrom(...names), directive).map(([a, f, d]) => `${a}${f}${d}`);

const cellSel = sel([field(['name', 'status', '__typename'])]);
const cellStatusSel = sel([field(['cellName', 'status', '__typename'])]);
const flavorSel = sel([field(['id', 'name', 'vcpus', '__typename'])]);
const nodeLeaves = field(['id', '__typename']);
const instanceSel: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
  s: sel([
    field(['id', 'uuid', 'status', 'vcpus', 'ratio', 'meta', 'tags', '__typename']),
    fc.tuple(alias, directive, flavorSel).map(([a, d, s]) => `${a}flavor${d} { ${s} }`),
    fc.tuple(alias, directive, cellSel).map(([a, d, s]) => `${a}cell${d} { ${s} }`),
    fc.tuple(directive, tie('s')).map(([d, s]) => `... on Instance${d} { ${s} }`),
    fc.tuple(directive, nodeLeaves).map(([d, s]) => `... on Node${d} { ${s} }`),
    fc.tuple(directive, nodeLeaves).map(([d, s]) => `...${d} { ${s} }`),
  ]),
})).s;
const abstractSel = sel([
  nodeLeaves,
  fc.tuple(directive, instanceSel).map(([d, s]) => `... on Instance${d} { ${s} }`),
  fc.tuple(directive, flavorSel).map(([d, s]) => `... on Flavor${d} { ${s} }`),
]);
const edgeSel = sel([
  field(['cursor', '__typename']),
  fc.tuple(alias, directive, instanceSel).map(([a, d, s]) => `${a}node${d} { ${s} }`),
]);
const connSel = sel([
  field(['complete', 'total', '__typename']),
  fc.tuple(alias, directive, edgeSel).map(([a, d, s]) => `${a}edges${d} { ${s} }`),
  fc.tuple(alias, directive, cellStatusSel).map(([a, d, s]) => `${a}cells${d} { ${s} }`),
]);
const rootSel = sel([
  field(['count', 'ratio', 'ok', '__typename']),
  fc.tuple(alias, directive, connSel).map(([a, d, s]) => `${a}instances(first: 2)${d} { ${s} }`),
  fc.tuple(alias, directive, abstractSel).map(([a, d, s]) => `${a}node(id: "1")${d} { ${s} }`),
  fc.tuple(alias, directive, abstractSel).map(([a, d, s]) => `${a}search${d} { ${s} }`),
  fc.tuple(alias, directive, flavorSel).map(([a, d, s]) => `${a}flavors${d} { ${s} }`),
]);

/** A deterministic stream of choices from one seed (mulberry32). */
function chooser(seed: number) {
  let t = seed >>> 0;
  const next = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  return { chance: (p: number) => next() < p, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}
type Choices = ReturnType<typeof chooser>;

const LEAVES: Record<string, unknown[]> = {
  ID: ['1', 'abc', 7],
  String: ['a', 'web-1', ''],
  Int: [0, 3, -12],
  Float: [0.5, 2, -1.25],
  Boolean: [true, false],
  Status: ['ACTIVE', 'ERROR', 'BUILD'],
  JSON: [{ k: [1, 'x'] }, 'text', 4, null],
};
// What a faulty subgraph answer could hold instead: wrong kinds, an unknown enum value, NaN.
const BAD_LEAVES: unknown[] = ['NOPE', 1.5, Number.NaN, true, 'x', {}, [1]];

/**
 * Data the plan could have merged for this operation: every selected field, in any order,
 * with __typename where a runtime type is chosen; with `faults`, a few values Apollo refuses.
 */
function dataFor(operation: Operation, c: Choices, faults: number): Record<string, unknown> {
  const root = schema.schemaDefinition.rootType('query')!;
  const out: Record<string, unknown> = {};
  fill(operation.selectionSet, root, out, c, faults);
  return out;
}

function fill(set: SelectionSet, runtime: CompositeType, out: Record<string, unknown>, c: Choices, faults: number) {
  for (const selection of set.selections()) {
    if (selection.kind === 'FragmentSelection') {
      const condition = selection.element.typeCondition;
      if (!condition || possibleRuntimeTypes(condition).some((t) => t.name === runtime.name))
        fill(selection.selectionSet, runtime, out, c, faults);
      continue;
    }
    const f = selection.element;
    const name = f.responseName();
    if (f.name === '__typename') {
      if (!(name in out)) out[name] = c.chance(faults) ? c.pick(['Nope', 'Query', 3]) : runtime.name;
      continue;
    }
    if (c.chance(faults / 4)) continue; // missing
    out[name] = valueOf(f.definition.type!, selection.selectionSet, out[name], c, faults);
  }
}

function valueOf(
  type: Type,
  set: SelectionSet | undefined,
  existing: unknown,
  c: Choices,
  faults: number,
  nullable = true,
): unknown {
  if (isNonNullType(type)) {
    if (existing === undefined && c.chance(faults / 2)) return null;
    return valueOf(type.ofType, set, existing, c, faults, false);
  }
  if (existing === undefined && nullable && c.chance(0.1)) return null;
  if (existing === null) return null;
  // A fault already put here stays as it is.
  if (existing !== undefined && (isListType(type) ? !Array.isArray(existing) : typeof existing !== 'object'))
    return existing;
  if (isListType(type)) {
    if (existing === undefined && c.chance(faults / 4)) return { not: 'a list' };
    const list = (existing as unknown[] | undefined) ?? new Array(c.pick([0, 1, 2, 3])).fill(undefined);
    return list.map((e) => valueOf(type.ofType, set, e, c, faults));
  }
  if (isCompositeType(type)) {
    if (existing === undefined && c.chance(faults / 4)) return 'not an object';
    let object = existing as Record<string, unknown> | undefined;
    if (!object) {
      const runtime = c.pick(possibleRuntimeTypes(type));
      object = {};
      if (type.kind !== 'ObjectType' || c.chance(0.5)) object.__typename = c.chance(faults / 4) ? 'Nope' : runtime.name;
    }
    const runtime = schema.type(String(object.__typename ?? type.name));
    fill(set!, runtime && isCompositeType(runtime) ? runtime : type, object, c, faults);
    return object;
  }
  if (existing !== undefined) return existing;
  return c.chance(faults) ? c.pick(BAD_LEAVES) : c.pick(LEAVES[type.toString()] ?? ['?']);
}

/** Every place in the data a value sits: its container and key. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots(v, out);
    }
  return out;
}

const ONE_FAULT: unknown[] = [null, 'NOPE', 1.5, Number.NaN, true, 7, {}, [1], 'x', { __typename: 'Nope' }, undefined];

/** Clean data with exactly one value replaced (or removed): each fault Apollo checks, on its own. */
function withOneFault(input: Record<string, unknown>, c: Choices): void {
  const all = slots(input);
  if (all.length === 0) return;
  const [container, key] = c.pick(all);
  const bad = c.pick(ONE_FAULT);
  if (bad === undefined && !Array.isArray(container)) delete container[key as string];
  else (container as Record<string | number, unknown>)[key] = bad;
}

const shaped = (data: unknown) => JSON.stringify(data);

describe('the compiled answer shaping, against Apollo Gateway’s computeResponse', () => {
  const stats = { compiled: 0, declined: 0, clean: 0, cleanCompiled: 0 };

  afterAll(() => {
    // Not vacuous: most clean answers took the compiled path, and faulty ones were declined.
    expect(stats.cleanCompiled).toBeGreaterThan(stats.clean * 0.9);
    expect(stats.declined).toBeGreaterThan(0);
    expect(stats.compiled).toBeGreaterThan(stats.declined);
  });

  it('answers exactly as Apollo does, or leaves the answer to Apollo', () => {
    fc.assert(
      fc.property(
        rootSel,
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        fc.constantFrom(0, 0, -1, -1, 0.05, 0.3),
        (selection, a, b, seed, faultRate) => {
          const declared = ['a', 'b'].filter((v) => selection.includes(`$${v}`)).map((v) => `$${v}: Boolean!`);
          const query = `query Q${declared.length ? `(${declared.join(', ')})` : ''} { ${selection} }`;
          const document = parse(query);
          // Only operations Apollo Server would let through (no conflicting response names).
          fc.pre(validate(graphqlSchema, document).length === 0);
          const operation = operationFromDocument(schema, document);
          const variables = { a, b };
          // A rate of -1: clean data with one fault put in.
          const faults = Math.max(faultRate, 0);
          const c = chooser(seed);
          const input = dataFor(operation, c, faults);
          if (faultRate < 0) withOneFault(input, c);
          const compiled = shapeCompiled(operation, variables, input);
          if (faultRate === 0) stats.clean++;
          if (compiled === undefined) {
            stats.declined++;
            return;
          }
          // Apollo throws (its executor reports it as an error) only on data the compiled walk declines.
          const apollo = apolloResponse({ operation, variables, input, introspectionHandling: () => null });
          stats.compiled++;
          if (faultRate === 0) stats.cleanCompiled++;
          expect(apollo.errors.map((e) => e.message)).toEqual([]);
          expect(shaped(compiled)).toBe(shaped(apollo.data));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('operations the compiled shaping leaves to Apollo', () => {
  const shape = (query: string, input: Record<string, unknown>, variables: Record<string, unknown> = {}) =>
    shapeCompiled(operationFromDocument(schema, parse(query)), variables, input);

  it('answers a clean one, and declines a response name Object.prototype holds', () => {
    expect(shape('{ count ok }', { count: 3, ok: true })).toEqual({ count: 3, ok: true });
    expect(shape('{ constructor: count }', { constructor: 3 })).toBeUndefined();
    expect(shape('{ toString: ok }', { toString: true })).toBeUndefined();
  });

  it('declines introspection and a condition whose variable is not a boolean', () => {
    expect(shape('{ __schema { queryType { name } } count }', { count: 1 })).toBeUndefined();
    expect(shape('query($a: Boolean!) { count @include(if: $a) }', { count: 1 }, { a: 'yes' })).toBeUndefined();
    expect(shape('query($a: Boolean!) { count @include(if: $a) }', { count: 1 }, { a: false })).toEqual({});
  });

  it('declines what Apollo reports: a null in a non-null field, an unknown enum value, an unknown __typename', () => {
    expect(shape('{ instances { complete } }', { instances: { complete: null } })).toBeUndefined();
    expect(shape('{ instances { cells { status } } }', { instances: { cells: [{ status: 'NOPE' }] } })).toBeUndefined();
    expect(shape('{ node(id: "1") { id } }', { node: { __typename: 'Nope', id: '1' } })).toBeUndefined();
    expect(shape('{ instances { cells { status } } }', { instances: { cells: [{ status: 'ERROR' }] } })).toEqual({
      instances: { cells: [{ status: 'ERROR' }] },
    });
  });
});
