import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { CellContext } from '../../../../subgraphs/cell/context';
import { nodeFieldNames, prefetchNested } from '../../../../subgraphs/cell/prefetchNested';
import { SettledLoader } from '../../../../subgraphs/cell/settledLoader';

describe('a loader that keeps what its batches answered', () => {
  it('answers a promise before the batch and the value itself after it', async () => {
    const batches: string[][] = [];
    const loader = new SettledLoader<string, number>(async (keys) => {
      batches.push([...keys]);
      return keys.map((k) => k.length);
    });
    const pending = loader.get('abc');
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(3);
    expect(loader.get('abc')).toBe(3);
    await loader.loadMany(['a', 'bb']);
    expect([loader.get('a'), loader.get('bb')]).toEqual([1, 2]);
    expect(batches).toEqual([['abc'], ['a', 'bb']]);
  });

  it('keeps primed values, forgets cleared ones, and keeps nothing from a failed batch', async () => {
    let fail = true;
    const loader = new SettledLoader<string, string>(async (keys) => {
      if (fail) throw new Error('database down');
      return keys.map((k) => k.toUpperCase());
    });
    loader.prime('x', 'primed');
    expect(loader.get('x')).toBe('primed');
    loader.clear('x');
    await expect(loader.get('x')).rejects.toThrow('database down');
    fail = false;
    loader.clearAll();
    expect(await loader.get('x')).toBe('X');
  });
});

describe('loading the nested lists a page selects before it resolves', () => {
  function call(query: string): string[] {
    const document = parse(query);
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    )!;
    const fragments = Object.fromEntries(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((f) => [f.name.value, f]),
    );
    const asked: string[] = [];
    const loaders = new Proxy({}, { get: (_, name: string) => ({ loadMany: async () => void asked.push(name) }) });
    const names = nodeFieldNames([operation.selectionSet.selections[0] as FieldNode], fragments);
    void prefetchNested({ loaders } as unknown as CellContext, names, ['u1', 'u2']);
    return asked.sort();
  }

  it('asks each selected list once, under any alias and through fragments', () => {
    const asked = call(`{ instances { a: edges { node { metadata { key } fault { code } faults { code } } }
      edges { node { ...N ... on Instance { pciDevices { address } } } } }
      } fragment N on Instance { infoCache { networkInfo } }`);
    expect(asked).toEqual(['faults', 'infoCache', 'metadata', 'pciDevices']);
  });

  it('asks nothing for a page of plain fields or a selection without edges', () => {
    expect(call('{ instances { edges { cursor node { uuid status host } } } }')).toEqual([]);
    expect(call('{ instances { complete cells { cellName } } }')).toEqual([]);
  });
});
