import { dedupeRepresentations, expandEntitiesResponse } from '../../../gateway/representations';

const flavor = (id: string) => ({ __typename: 'Flavor', id });

describe('sending each entity representation once', () => {
  it('keeps the first of equal representations and remembers where each one went', () => {
    const { unique, indexOf } = dedupeRepresentations([
      flavor('1'),
      flavor('2'),
      flavor('1'),
      flavor('3'),
      flavor('2'),
    ]);
    expect(unique).toEqual([flavor('1'), flavor('2'), flavor('3')]);
    expect(indexOf).toEqual([0, 1, 0, 2, 1]);
  });

  it('puts every answer back at each position that asked for it', () => {
    const response = { data: { _entities: [{ name: 'tiny' }, { name: 'small' }, null] } };
    expect(expandEntitiesResponse(response, [0, 1, 0, 2, 1]).data).toEqual({
      _entities: [{ name: 'tiny' }, { name: 'small' }, { name: 'tiny' }, null, { name: 'small' }],
    });
  });

  it('repeats an error about one entity at every position that had it, and leaves other errors alone', () => {
    const response = {
      data: { _entities: [{ name: 'tiny' }, null] },
      errors: [{ message: 'no flavor 2', path: ['_entities', 1, 'name'] }, { message: 'global trouble' }],
    };
    const expanded = expandEntitiesResponse(response, [1, 0, 1]);
    expect(expanded.data).toEqual({ _entities: [null, { name: 'tiny' }, null] });
    expect(expanded.errors).toEqual([
      { message: 'no flavor 2', path: ['_entities', 0, 'name'] },
      { message: 'no flavor 2', path: ['_entities', 2, 'name'] },
      { message: 'global trouble' },
    ]);
  });

  it('passes an answer without entities through', () => {
    const response = { data: null, errors: [{ message: 'down' }] };
    expect(expandEntitiesResponse(response, [0, 0])).toEqual(response);
  });
});
