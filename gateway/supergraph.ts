import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphqlSync, Kind, parse, visit, type DocumentNode } from 'graphql';

/**
 * The SDL files the supergraph is composed from: the two subgraphs, and the gateway's own
 * `Subscription` (gateway/events), which the gateway serves itself (Apollo Gateway plans
 * no subscriptions) and composes in so that introspection and `npm run supergraph` show it.
 */
export const SDL_FILES = {
  global: path.join(__dirname, '..', 'subgraphs', 'global', 'schema.graphql'),
  cell: path.join(__dirname, '..', 'subgraphs', 'cell', 'schema.graphql'),
  router: path.join(__dirname, 'cellRouter', 'routerFields.graphql'),
  events: path.join(__dirname, 'events', 'schema.graphql'),
} as const;

export interface SubgraphSdls {
  global: string;
  cell: string;
  /** Fields the cell router answers itself, composed into the `cell` service (gateway/cellRouter/routerFields.ts). */
  router: string;
  events: string;
}

export function readSubgraphSdls(): SubgraphSdls {
  return {
    global: readFileSync(SDL_FILES.global, 'utf8'),
    cell: readFileSync(SDL_FILES.cell, 'utf8'),
    router: readFileSync(SDL_FILES.router, 'utf8'),
    events: readFileSync(SDL_FILES.events, 'utf8'),
  };
}

/** Thrown when the SDLs stop composing; lists every composition error. */
export class CompositionError extends Error {}

/**
 * Composes the supergraph in code from the SDLs (no introspection: the gateway must
 * start while a cell is down). All cells serve the `cell` SDL and compose as one
 * logical subgraph named `cell`; `events` is the gateway's own and is never sent a request.
 */
export function composeSupergraph(sdls: SubgraphSdls = readSubgraphSdls()): string {
  const result = composeServices([
    { name: 'global', url: 'http://global.invalid/graphql', typeDefs: parse(sdls.global) },
    {
      name: 'cell',
      url: 'http://cell-router.invalid/graphql',
      typeDefs: withRouterFields(withoutUnroutedFields(parse(sdls.cell)), sdls.router),
    },
    { name: 'events', url: 'http://gateway-events.invalid/graphql', typeDefs: parse(sdls.events) },
  ]);
  if (result.errors) {
    throw new CompositionError(
      `the subgraph SDLs do not compose:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`,
    );
  }
  return result.supergraphSdl;
}

/**
 * Cell Query fields that the cell router cannot route yet (it answers them with
 * "cannot be routed to a cell"). Until the router merges them across cells like
 * `instances`, they stay out of the composed supergraph, with the types only they
 * reach, so no caller can plan them. Cells still serve them (and expectedCellSdl keeps
 * them): an admin can ask one cell directly. Remove a name here when the router routes it.
 */
export const UNROUTED_CELL_FIELDS: readonly string[] = ['cellSummary'];

// The cell SDL without UNROUTED_CELL_FIELDS and the definitions that nothing else uses after.
function withoutUnroutedFields(document: DocumentNode): DocumentNode {
  let pruned = visit(document, {
    FieldDefinition: (node, _key, _parent, _path, ancestors) => {
      const owner = ancestors[ancestors.length - 1];
      const onQuery = owner && 'name' in owner && (owner as { name?: { value: string } }).name?.value === 'Query';
      return onQuery && UNROUTED_CELL_FIELDS.includes(node.name.value) ? null : undefined;
    },
  });
  const orphansBefore = unreferencedTypes(document);
  for (;;) {
    const orphans = [...unreferencedTypes(pruned)].filter((name) => !orphansBefore.has(name));
    if (orphans.length === 0) return pruned;
    pruned = {
      ...pruned,
      definitions: pruned.definitions.filter((d) => !('name' in d && d.name && orphans.includes(d.name.value))),
    };
  }
}

// Type definitions no other definition names (the root types aside).
function unreferencedTypes(document: DocumentNode): Set<string> {
  const defined = new Set<string>();
  const named = new Set<string>();
  for (const definition of document.definitions) {
    const own = 'name' in definition && definition.name ? definition.name.value : null;
    if (own && definition.kind !== Kind.SCHEMA_EXTENSION) defined.add(own);
    visit(definition, {
      NamedType: (node) => {
        if (node.name.value !== own) named.add(node.name.value);
      },
    });
  }
  for (const root of ['Query', 'Mutation', 'Subscription']) named.add(root);
  return new Set([...defined].filter((name) => !named.has(name)));
}

/** The cell SDL with the fields the cell router answers itself (`router`) added. */
export function withRouterFields(cellDocument: DocumentNode, router: string = readSubgraphSdls().router): DocumentNode {
  return { ...cellDocument, definitions: [...cellDocument.definitions, ...parse(router).definitions] };
}

/** The `_service { sdl }` a correct cell subgraph answers, to check cells against. */
export function expectedCellSdl(cellSdl: string = readSubgraphSdls().cell): string {
  const schema = buildSubgraphSchema({ typeDefs: parse(cellSdl) });
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  return (result.data as { _service: { sdl: string } })._service.sdl;
}
