import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphqlSync, parse } from 'graphql';

/**
 * The SDL files the supergraph is composed from: the two subgraphs, and the gateway's own
 * `Subscription` (gateway/events), which the gateway serves itself (Apollo Gateway plans
 * no subscriptions) and composes in so that introspection and `npm run supergraph` show it.
 */
export const SDL_FILES = {
  global: path.join(__dirname, '..', 'subgraphs', 'global', 'schema.graphql'),
  cell: path.join(__dirname, '..', 'subgraphs', 'cell', 'schema.graphql'),
  events: path.join(__dirname, 'events', 'schema.graphql'),
} as const;

export interface SubgraphSdls {
  global: string;
  cell: string;
  events: string;
}

export function readSubgraphSdls(): SubgraphSdls {
  return {
    global: readFileSync(SDL_FILES.global, 'utf8'),
    cell: readFileSync(SDL_FILES.cell, 'utf8'),
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
    { name: 'cell', url: 'http://cell-router.invalid/graphql', typeDefs: parse(sdls.cell) },
    { name: 'events', url: 'http://gateway-events.invalid/graphql', typeDefs: parse(sdls.events) },
  ]);
  if (result.errors) {
    throw new CompositionError(
      `the subgraph SDLs do not compose:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`,
    );
  }
  return result.supergraphSdl;
}

/** The `_service { sdl }` a correct cell subgraph answers, to check cells against. */
export function expectedCellSdl(cellSdl: string = readSubgraphSdls().cell): string {
  const schema = buildSubgraphSchema({ typeDefs: parse(cellSdl) });
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  return (result.data as { _service: { sdl: string } })._service.sdl;
}
