import {
  isFlavorRepresentation,
  projectFlavor,
  PublicFlavors,
  FULL_FLAVOR_QUERY,
} from '../../../gateway/publicFlavors';

const ENTITIES = (selection: string) =>
  `query Q__global__1($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`;

describe('public flavors held by the gateway', () => {
  it('recognises a flavor look-up of immutable plain fields, under their aliases', () => {
    const flavors = new PublicFlavors();
    expect(flavors.selection(ENTITIES('... on Flavor { __typename name cpus: vcpus }'))).toEqual([
      { key: '__typename', name: '__typename' },
      { key: 'name', name: 'name' },
      { key: 'cpus', name: 'vcpus' },
    ]);
  });

  it.each([
    ['a field that can change', '... on Flavor { name extraSpecs }'],
    ['access, which decides who sees a flavor', '... on Flavor { name access }'],
    ['another entity', '... on Instance { uuid }'],
    ['a directive', '... on Flavor { name @include(if: true) }'],
    ['two fragments', '... on Flavor { name } ... on Cell { name }'],
  ])('leaves a look-up with %s to the global subgraph', (_what, selection) => {
    expect(new PublicFlavors().selection(ENTITIES(selection))).toBeNull();
  });

  it('leaves anything but one _entities query to the global subgraph', () => {
    const flavors = new PublicFlavors();
    expect(flavors.selection('{ flavors { name } }')).toBeNull();
    expect(flavors.selection('mutation { deleteFlavor(id: "1") }')).toBeNull();
    expect(flavors.selection('not graphql')).toBeNull();
    expect(flavors.selection(FULL_FLAVOR_QUERY)).not.toBeNull();
  });

  it('holds public flavors only', () => {
    const flavors = new PublicFlavors();
    flavors.learn({ id: '1', name: 'm1.small', isPublic: true });
    flavors.learn({ id: '2', name: 'p1.secret', isPublic: false });
    flavors.learn(null);
    expect(flavors.get('1')).toMatchObject({ name: 'm1.small' });
    expect(flavors.get('2')).toBeUndefined();
    expect(flavors.size).toBe(1);
  });

  it('answers the selection from a held row, null for what the row lacks', () => {
    const fields = [
      { key: '__typename', name: '__typename' },
      { key: 'n', name: 'name' },
      { key: 'vcpuWeight', name: 'vcpuWeight' },
    ];
    expect(projectFlavor({ id: '1', name: 'm1.small', isPublic: true }, fields)).toEqual({
      __typename: 'Flavor',
      n: 'm1.small',
      vcpuWeight: null,
    });
  });

  it('takes only plain { __typename: Flavor, id } representations', () => {
    expect(isFlavorRepresentation({ __typename: 'Flavor', id: '1' })).toBe(true);
    expect(isFlavorRepresentation({ __typename: 'Flavor', id: 1 })).toBe(false);
    expect(isFlavorRepresentation({ __typename: 'Cell', id: '1' })).toBe(false);
    expect(isFlavorRepresentation({ __typename: 'Flavor', id: '1', extra: true })).toBe(false);
    expect(isFlavorRepresentation(null)).toBe(false);
  });
});
