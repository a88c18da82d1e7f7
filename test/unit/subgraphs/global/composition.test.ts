import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const root = path.resolve(__dirname, '../../../..');
const sdl = (file: string) => parse(readFileSync(path.join(root, file), 'utf8'));

describe('the global subgraph SDL', () => {
  it('composes with the cell subgraph SDL without errors, contributing cell and mapping to Instance', () => {
    const result = composeServices([
      { name: 'global', url: 'http://global.invalid/graphql', typeDefs: sdl('subgraphs/global/schema.graphql') },
      { name: 'cell', url: 'http://cell.invalid/graphql', typeDefs: sdl('subgraphs/cell/schema.graphql') },
    ]);
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    const supergraph = result.supergraphSdl ?? '';
    expect(supergraph).toMatch(/type Instance\s[^{]*\{[^}]*\bcell: Cell[^}]*\bmapping: InstanceMapping/s);
    expect(supergraph).toContain('instanceMappings(');
  });
});
