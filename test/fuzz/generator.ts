import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { isLeakFree } from '../helpers/leaks';

/** One generated request: who sends it, the document and its variables. */
export interface FuzzCase {
  as: 'admin' | 'tenant';
  query: string;
  variables: Record<string, unknown>;
}

/** Values of the world under test, so generated arguments hit real rows as well as junk. */
export interface Dictionary {
  /** Instance, cell and flavor ids of every project. */
  ids: string[];
  projects: string[];
  /** Names, hosts, statuses: strings the data holds. */
  strings: string[];
}

export interface GeneratorOptions {
  /** Deepest selection generated below a root field. */
  maxDepth?: number;
  /** Root fields per operation. */
  maxRootFields?: number;
}

// A generated input value: plain JSON, or an enum name (bare in a literal, a string in variables).
type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | EnumName;
class EnumName {
  constructor(readonly name: string) {}
}

interface Arg {
  name: string;
  value: Value;
  /** Sent as a variable: its declared type (sometimes wrong) and whether its value is left out. */
  variable: { type: string; omitted: boolean } | null;
}

interface Selection {
  name: string;
  alias: string | null;
  args: Arg[];
  /** Sub-selection of an object field, and how it is written. */
  sub: { selections: Selection[]; wrap: 'plain' | 'inline' | 'fragment'; typeName: string } | null;
}

interface Operation {
  kind: 'query' | 'mutation';
  roots: Selection[];
  /** A few malformed documents: a truncated or mangled one. */
  mangle: 'none' | 'truncate' | 'junk';
  junk: string;
}

/** Strings that go into arguments: real values, and (hostile) the malformed ones an attacker sends. */
export function stringArbitrary(dictionary: Dictionary, hostile = true): fc.Arbitrary<string> {
  const crafted = fc
    .record({
      s: fc.array(fc.constantFrom('CREATED_AT:DESC', 'DISPLAY_NAME:ASC', 'UPDATED_AT:ASC', 'X:Y', ''), {
        maxLength: 2,
      }),
      v: fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)), { maxLength: 2 }),
      u: fc.oneof(fc.uuid(), fc.string({ maxLength: 8 })),
      p: fc.option(fc.constantFrom('live', 'unknown', 'x')),
    })
    .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url'));
  const real = fc.constantFrom(...dictionary.strings, ...dictionary.projects);
  if (!hostile)
    return fc.oneof(
      { weight: 3, arbitrary: real },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).filter(isLeakFree) },
    );
  return fc
    .oneof(
      { weight: 4, arbitrary: real },
      { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })).map(([a, b]) => `${a}\u0000${b}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('\ud800', 'a\udc00b', '\udfff\ud800', 'x\ud83d') },
      { weight: 1, arbitrary: fc.constantFrom(256, 1000, 5000, 20000).map((n) => 'a'.repeat(n)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '^(a+)+$',
          '(',
          '[',
          '.*',
          '\\',
          '%',
          "'",
          '"',
          '$1',
          '(?<x>a)',
          '\\x00',
          '--',
          ' admin',
          'admin,member',
        ),
      },
      { weight: 1, arbitrary: crafted },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          ' ',
          '1',
          '-1',
          '1e400',
          'null',
          'true',
          '2026-01-01T00:00:00Z',
          'not-a-date',
          '0001-01-01',
          '99999-01-01',
        ),
      },
    )
    .filter(isLeakFree);
}

/**
 * Random operations over `schema` (the composed API schema, read by introspection):
 * root fields of Query and Mutation with aliases, arguments from their types (valid,
 * wrong types, out-of-range numbers, NUL bytes, lone surrogates, long strings, crafted
 * cursors, unknown enum values), literals and variables (some declared wrongly, some
 * missing), fragments and nested selections, and a few malformed documents. Half the
 * cases are well-formed (values of the right types from the world's data) so that they
 * reach the resolvers and the cells instead of stopping at validation.
 */
export function caseArbitrary(
  schema: GraphQLSchema,
  dictionary: Dictionary,
  options: GeneratorOptions = {},
): fc.Arbitrary<FuzzCase> {
  return fc.oneof(cases(schema, dictionary, options, false), cases(schema, dictionary, options, true));
}

function cases(
  schema: GraphQLSchema,
  dictionary: Dictionary,
  options: GeneratorOptions,
  hostile: boolean,
): fc.Arbitrary<FuzzCase> {
  const maxDepth = options.maxDepth ?? 4;
  // The share of each deliberate mistake: none in well-formed cases.
  const odds = (weight: number) => (hostile ? weight : 0);
  const oneof = <T>(...choices: { weight: number; arbitrary: fc.Arbitrary<T> }[]) =>
    fc.oneof(...choices.filter((c) => c.weight > 0));
  const strings = stringArbitrary(dictionary, hostile);
  const ids = oneof(
    { weight: 4, arbitrary: fc.constantFrom(...dictionary.ids) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: odds(1), arbitrary: strings },
    { weight: odds(1), arbitrary: fc.integer().map(String) },
  );

  const scalar = (name: string, argName: string): fc.Arbitrary<Value> => {
    switch (name) {
      case 'Int':
        return oneof(
          { weight: 4, arbitrary: fc.integer({ min: hostile ? -1 : 1, max: 60 }) },
          {
            weight: odds(1),
            arbitrary: fc.constantFrom(
              0,
              1000,
              1001,
              2147483647,
              2147483648,
              -2147483649,
              Number.MAX_SAFE_INTEGER,
              1e21,
            ),
          },
          { weight: odds(1), arbitrary: fc.integer() },
        );
      case 'Float':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'Boolean':
        return fc.boolean();
      case 'ID':
        return ids;
      case 'DateTime':
        return oneof<Value>(
          {
            weight: 2,
            arbitrary: fc
              .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
              .map((d) => d.toISOString()),
          },
          { weight: odds(1), arbitrary: strings },
          { weight: odds(1), arbitrary: fc.integer() },
        );
      case 'JSON':
        return fc.jsonValue({ maxDepth: 2 }).map((v) => v as Value);
      default:
        return /uuid|^id$|Id$/i.test(argName) ? ids : strings;
    }
  };

  // Any JSON value of any shape: what a caller sends where another type belongs.
  const wrongValue: fc.Arbitrary<Value> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    strings,
    fc.constant({}),
    fc.dictionary(fc.constantFrom('a', 'key', 'uuid'), fc.integer(), { maxKeys: 2 }),
    fc.array(fc.integer(), { maxLength: 2 }),
  );

  const memo = new Map<string, fc.Arbitrary<Value>>();
  const valueOf = (type: GraphQLInputType, argName: string, depth: number): fc.Arbitrary<Value> => {
    const key = `${String(type)}|${/uuid|^id$|Id$/i.test(argName)}|${depth}`;
    let found = memo.get(key);
    if (!found) memo.set(key, (found = valueFor(type, argName, depth)));
    return found;
  };
  const valueFor = (type: GraphQLInputType, argName: string, depth: number): fc.Arbitrary<Value> => {
    const exact = (): fc.Arbitrary<Value> => {
      if (isNonNullType(type))
        return oneof(
          { weight: 19, arbitrary: valueOf(type.ofType, argName, depth) },
          { weight: odds(1), arbitrary: fc.constant(null) },
        );
      if (isListType(type)) {
        const item = valueOf(type.ofType, argName, depth + 1);
        // A single item where a list belongs is valid GraphQL (list coercion).
        return fc.oneof(
          { weight: 4, arbitrary: fc.array(item, { maxLength: depth > 2 ? 1 : 3 }) },
          { weight: 1, arbitrary: item },
        );
      }
      if (isEnumType(type)) {
        const names = type.getValues().map((v) => v.name);
        return oneof(
          { weight: 9, arbitrary: fc.constantFrom(...names) },
          { weight: odds(1), arbitrary: fc.stringMatching(/^[A-Z][A-Z_]{0,8}$/) },
        ).map((name) => new EnumName(name));
      }
      if (isInputObjectType(type)) {
        if (depth > 3) return fc.constant({});
        const fields = Object.values(type.getFields());
        return fc
          .tuple(
            fc.tuple(
              ...fields.map((f) =>
                isNonNullType(f.type) && !hostile
                  ? valueOf(f.type, f.name, depth + 1)
                  : fc.option(valueOf(f.type, f.name, depth + 1), {
                      freq: isNonNullType(f.type) ? 12 : 2,
                      nil: undefined,
                    }),
              ),
            ),
            hostile
              ? fc.option(fc.tuple(fc.constantFrom('bogus', 'projectId', '__proto__'), wrongValue), { freq: 15 })
              : fc.constant(null),
          )
          .map(([values, extra]) => {
            const out: Record<string, Value> = {};
            fields.forEach((f, i) => {
              if (values[i] !== undefined) out[f.name] = values[i] as Value;
            });
            // defineProperty: a plain assignment to __proto__ would set the prototype, not a key.
            if (extra)
              Object.defineProperty(out, extra[0], {
                value: extra[1],
                enumerable: true,
                writable: true,
                configurable: true,
              });
            return out;
          });
      }
      return scalar(getNamedType(type).name, argName);
    };
    return depth > 6
      ? fc.constant(null)
      : oneof({ weight: 12, arbitrary: exact() }, { weight: odds(1), arbitrary: wrongValue });
  };

  const typeNames = Object.keys(schema.getTypeMap()).filter((n) => !n.startsWith('__'));
  const aliases = fc.option(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,5}$/), { freq: 5 });
  const wraps = fc.constantFrom('plain', 'plain', 'plain', 'inline', 'fragment') as fc.Arbitrary<
    'plain' | 'inline' | 'fragment'
  >;
  // Arbitraries are built once per (type, depth): chain() would rebuild them for every case.
  const cached = <T>(cache: Map<string, T>, key: string, build: () => T): T => {
    let found = cache.get(key);
    if (found === undefined) cache.set(key, (found = build()));
    return found;
  };
  const selectionCache = new Map<string, fc.Arbitrary<Selection[]>>();
  const fieldCache = new Map<string, fc.Arbitrary<Selection>>();
  const argOf = (arg: GraphQLArgument): fc.Arbitrary<Arg | null> =>
    fc
      .tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        valueOf(arg.type, arg.name, 0),
        fc.option(
          oneof(
            { weight: 9, arbitrary: fc.constant(String(arg.type)) },
            { weight: odds(1), arbitrary: fc.constantFrom('String', 'Int', 'ID!', '[String]', 'Boolean!', 'JSON') },
          ),
          { freq: 3 },
        ),
        fc.integer({ min: hostile ? 0 : 1, max: 19 }),
      )
      .map(([p, value, variable, omitRoll]) => {
        const include = isNonNullType(arg.type) ? p < (hostile ? 0.95 : 1.01) : p < 0.45;
        if (!include) return null;
        return { name: arg.name, value, variable: variable ? { type: variable, omitted: omitRoll === 0 } : null };
      });

  const selectionsOf = (type: GraphQLObjectType, depth: number): fc.Arbitrary<Selection[]> =>
    cached(selectionCache, `${type.name}|${depth}`, () => buildSelections(type, depth));
  const buildSelections = (type: GraphQLObjectType, depth: number): fc.Arbitrary<Selection[]> => {
    const fields = Object.values(type.getFields()).filter((f) => depth < maxDepth || isLeafType(getNamedType(f.type)));
    if (fields.length === 0) return fc.constant([{ name: '__typename', alias: null, args: [], sub: null }]);
    return fc
      .uniqueArray(fc.constantFrom(...fields), {
        minLength: 1,
        maxLength: depth === 0 ? 3 : 4,
        selector: (f) => f.name,
      })
      .chain((chosen) => fc.tuple(...chosen.map((f) => fieldOf(f, depth, type.name))));
  };

  const fieldOf = (field: GraphQLField<unknown, unknown>, depth: number, owner: string): fc.Arbitrary<Selection> =>
    cached(fieldCache, `${owner}.${field.name}|${depth}`, () => buildField(field, depth));
  const buildField = (field: GraphQLField<unknown, unknown>, depth: number): fc.Arbitrary<Selection> => {
    const named = getNamedType(field.type);
    const sub = isObjectType(named)
      ? fc.record({
          selections: fc.constant(null).chain(() => selectionsOf(named, depth + 1)),
          wrap: wraps,
          typeName: oneof(
            { weight: 19, arbitrary: fc.constant(named.name) },
            { weight: odds(1), arbitrary: fc.constantFrom(...typeNames) },
          ),
        })
      : fc.constant(null);
    return fc
      .record({
        alias: aliases,
        args: fc.tuple(...field.args.map(argOf)),
        sub,
      })
      .map(({ alias, args, sub }) => ({
        name: field.name,
        alias,
        args: args.filter((a): a is Arg => a !== null),
        sub,
      }));
  };

  const roots = (type: GraphQLObjectType, max: number) =>
    fc
      .array(fc.constantFrom(...Object.values(type.getFields())), { minLength: 1, maxLength: max })
      .chain((chosen) => fc.tuple(...chosen.map((f) => fieldOf(f, 0, type.name))));
  const query = schema.getQueryType()!;
  const mutation = schema.getMutationType();
  const operation: fc.Arbitrary<Operation> = fc
    .record({
      kind: mutation ? fc.constantFrom('query', 'query', 'query', 'mutation') : fc.constant('query'),
      mangle: oneof(
        { weight: 18, arbitrary: fc.constant('none' as const) },
        { weight: odds(1), arbitrary: fc.constant('truncate' as const) },
        { weight: odds(1), arbitrary: fc.constant('junk' as const) },
      ),
      junk: fc.string({ maxLength: 30 }).filter(isLeakFree),
    })
    .chain((op) =>
      roots(op.kind === 'mutation' ? mutation! : query, op.kind === 'mutation' ? 1 : (options.maxRootFields ?? 3)).map(
        (selections) => ({ ...op, roots: selections }),
      ),
    );

  return fc
    .record({ as: fc.constantFrom('admin', 'tenant') as fc.Arbitrary<'admin' | 'tenant'>, operation })
    .map(({ as, operation }) => ({ as, ...render(operation) }));
}

/** The document and variables of a generated operation. */
function render(op: Operation): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const fragments: string[] = [];
  const selections = (list: Selection[]): string => list.map(selection).join(' ');
  const selection = (s: Selection): string => {
    const args = s.args.length ? `(${s.args.map(argument).join(', ')})` : '';
    const head = `${s.alias ? `${s.alias}: ` : ''}${s.name}${args}`;
    if (!s.sub) return head;
    const body = selections(s.sub.selections);
    switch (s.sub.wrap) {
      case 'plain':
        return `${head} { ${body} }`;
      case 'inline':
        return `${head} { ... on ${s.sub.typeName} { ${body} } }`;
      case 'fragment': {
        const name = `F${fragments.length}`;
        fragments.push(`fragment ${name} on ${s.sub.typeName} { ${body} }`);
        return `${head} { ...${name} }`;
      }
    }
  };
  const argument = (a: Arg): string => {
    if (!a.variable) return `${a.name}: ${literal(a.value)}`;
    const name = `v${declarations.length}`;
    declarations.push(`$${name}: ${a.variable.type}`);
    if (!a.variable.omitted) variables[name] = json(a.value);
    return `${a.name}: $${name}`;
  };
  const body = selections(op.roots);
  const head = declarations.length ? `${op.kind} Fuzz(${declarations.join(', ')})` : op.kind;
  let query = [`${head} { ${body} }`, ...fragments].join('\n');
  if (op.mangle === 'truncate') query = query.slice(0, Math.floor(query.length / 2));
  if (op.mangle === 'junk') query = `${op.junk} ${query}`;
  return { query, variables };
}

function literal(value: Value): string {
  if (value instanceof EnumName) return value.name;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(', ')}}`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return JSON.stringify(value);
}

function json(value: Value): unknown {
  if (value instanceof EnumName) return value.name;
  if (Array.isArray(value)) return value.map(json);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, json(v)]));
  return value;
}
