import { buildSubgraphSchema } from '@apollo/subgraph';
import fc from 'fast-check';
import { execute, parse, validate } from 'graphql';
import { cellSchema } from '../../../../gateway/cellRouter/operation';
import { routeRouterFields } from '../../../../gateway/cellRouter/routerFields';
import { readSubgraphSdls, withRouterFields } from '../../../../gateway/supergraph';

// The planner's view (cell SDL plus the router's fields), executable over one instance of one cell.
const CELL = { uuid: '4f7c1d0e-0000-4000-8000-000000000001', name: 'cell1' };
const INSTANCE = { uuid: 'i-1', status: 'ACTIVE', displayName: 'web', host: 'h1', flavor: { id: '7' } };
const resolvers = {
  Query: { instance: () => INSTANCE },
  Instance: { cell: () => ({ ...CELL }) },
};
const routerSchema = buildSubgraphSchema({
  typeDefs: withRouterFields(parse(readSubgraphSdls().cell)),
  resolvers: resolvers as never,
});
const cellOnly = buildSubgraphSchema({ typeDefs: parse(readSubgraphSdls().cell), resolvers: resolvers as never });

// Selections on Instance and on its Cell: aliases (some reusing `cell`), inline and named fragments, @include/@skip.
const FRAGMENTS = { F0: 'name', F1: 'uuid __typename' };
const directive = fc.constantFrom('', ' @include(if: $a)', ' @skip(if: $a)', ' @include(if: $b)', ' @skip(if: $b)');
const alias = fc.constantFrom('', 'x: ', 'y: ', 'cell: ');
const cellSelection = fc
  .array(fc.tuple(fc.constantFrom('x: ', 'y: ', ''), fc.constantFrom('uuid', 'name', '__typename'), directive), {
    minLength: 1,
    maxLength: 4,
  })
  .map((fields) => fields.map(([a, f, d]) => `${a}${f}${d}`).join(' '));
const leaf = fc.tuple(alias, fc.constantFrom('uuid', 'status', 'displayName', 'host'), directive);
const instanceSelection: fc.Arbitrary<string> = fc.letrec<{ sel: string }>((tie) => ({
  sel: fc
    .array(
      fc.oneof(
        { maxDepth: 3 },
        leaf.map(([a, f, d]) => `${a}${f}${d}`),
        fc.tuple(alias, directive, cellSelection).map(([a, d, s]) => `${a}cell${d} { ${s} }`),
        fc.tuple(directive, tie('sel')).map(([d, s]) => `... on Instance${d} { ${s} }`),
        fc.tuple(directive, cellSelection).map(([d, s]) => `cell${d} { ...F${s.length % 2} }`),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((parts) => parts.join(' ')),
})).sel;

describe("the cell router's own fields, for any selection", () => {
  it('answers as graphql-js would over the planner’s schema: the cell gets a valid request, the fill does the rest', () => {
    fc.assert(
      fc.property(instanceSelection, fc.boolean(), fc.boolean(), (selection, a, b) => {
        // As the planner writes them: only the variables and fragments the selection uses.
        const declared = [
          '$u: ID!',
          ...['a', 'b'].filter((v) => selection.includes(`$${v}`)).map((v) => `$${v}: Boolean!`),
        ];
        const fragments = Object.entries(FRAGMENTS).filter(([name]) => selection.includes(`...${name}`));
        const query = `query(${declared.join(', ')}) { instance(uuid: $u) { ${selection} } }
          ${fragments.map(([name, body]) => `fragment ${name} on Cell { ${body} }`).join(' ')}`;
        const document = parse(query);
        // Only operations the planner could send: valid over its schema (no conflicting aliases).
        fc.pre(validate(routerSchema, document).length === 0);
        const variables = { u: 'i-1', a, b };
        const expected = execute({ schema: routerSchema, document, variableValues: variables });
        const routed = routeRouterFields({ query, variables });
        const sent = parse(routed.request.query);
        expect(validate(cellSchema(), sent)).toEqual([]);
        const answer = execute({ schema: cellOnly, document: sent, variableValues: routed.request.variables });
        const data = (answer as { data: Record<string, unknown> }).data;
        routed.fill?.(data, CELL);
        const want = (expected as { data: unknown }).data;
        expect(sortKeys(withoutAddedTypename(data, want))).toEqual(sortKeys(want));
      }),
      { numRuns: 300 },
    );
  });
});

// Key order is the planner's business (it shapes the answer); values must match.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

// A selection left empty keeps `__typename` in the request (the planner drops the key): only there may it be extra.
function withoutAddedTypename(actual: unknown, expected: unknown): unknown {
  if (!actual || typeof actual !== 'object' || !expected || typeof expected !== 'object') return actual;
  const want = expected as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(actual as Record<string, unknown>)
      .filter(([key]) => key !== '__typename' || key in want)
      .map(([k, v]) => [k, withoutAddedTypename(v, want[k])]),
  );
}
