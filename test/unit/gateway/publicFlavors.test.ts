import { parse } from 'graphql';
import { fail, succeed } from '../../../domain/outcome';
import { ROUTER_FLAVOR_FIELDS } from '../../../gateway/cellRouter/routerFields';
import type { FlavorRecord } from '../../../gateway/publicFlavors';
import { IMMUTABLE_FLAVOR_FIELDS, PublicFlavors } from '../../../gateway/publicFlavors';
import { readSubgraphSdls } from '../../../gateway/supergraph';

const PUBLIC = { id: '1', name: 'm1.small', isPublic: true };
const PRIVATE = { id: '2', name: 'p1.secret', isPublic: false };

/** A reader over `rows` that records what it was asked for. */
function reader(rows: Record<string, FlavorRecord>) {
  const asked: string[][] = [];
  const read = async (ids: string[]) => {
    asked.push(ids);
    return succeed(ids.map((id) => rows[id] ?? null));
  };
  return { asked, read };
}

describe('public flavors held by the gateway', () => {
  it('holds public flavors only', () => {
    const flavors = new PublicFlavors();
    flavors.learn(PUBLIC);
    flavors.learn(PRIVATE);
    flavors.learn(null);
    expect(flavors.get('1')).toMatchObject({ name: 'm1.small' });
    expect(flavors.get('2')).toBeUndefined();
    expect(flavors.size).toBe(1);
  });

  it('reads the flavors it does not hold once, each id once, and then answers the public ones itself', async () => {
    const flavors = new PublicFlavors();
    const { asked, read } = reader({ '1': PUBLIC, '2': PRIVATE });
    const first = await flavors.read(['1', '2', '1', '9'], read);
    expect(asked).toEqual([['1', '2', '9']]);
    expect(first.failure).toBeNull();
    expect([...first.rows]).toEqual([
      ['1', PUBLIC],
      ['2', PRIVATE],
      ['9', null],
    ]);
    const second = await flavors.read(['1', '2'], read);
    expect(asked).toEqual([['1', '2', '9'], ['2']]); // the private one is read every time
    expect(second.rows.get('1')).toBe(PUBLIC);
    expect(flavors.stats).toEqual({ held: 1, read: 4 });
  });

  it('answers the flavors held and leaves the others out, with the failure, when the read fails', async () => {
    const flavors = new PublicFlavors();
    flavors.learn(PUBLIC);
    const failure = { message: 'global subgraph timed out', reason: 'TIMEOUT' as const, detail: 'ETIMEDOUT' };
    const { rows, failure: said } = await flavors.read(['1', '2'], async () => fail(failure));
    expect([...rows]).toEqual([['1', PUBLIC]]);
    expect(said).toMatchObject({ message: 'global subgraph timed out', reason: 'TIMEOUT' });
  });

  it('asks nothing when every flavor is held', async () => {
    const flavors = new PublicFlavors();
    flavors.learn(PUBLIC);
    const { asked, read } = reader({});
    expect((await flavors.read(['1'], read)).rows.get('1')).toBe(PUBLIC);
    expect(asked).toEqual([]);
  });

  it('the router answers exactly the immutable fields but id, as routerFields.graphql declares them', () => {
    const router = parse(readSubgraphSdls().router);
    const flavor = router.definitions.find(
      (d) => d.kind === 'ObjectTypeExtension' && d.name.value === 'Flavor',
    ) as unknown as { fields: { name: { value: string } }[] };
    const declared = flavor.fields.map((f) => f.name.value).sort();
    expect(declared).toEqual(IMMUTABLE_FLAVOR_FIELDS.filter((f) => f !== 'id').sort());
    expect([...ROUTER_FLAVOR_FIELDS].sort()).toEqual(declared);
  });
});
