import { parseChange } from '../../../../gateway/cellRouter/mappingNotifications';

describe('parseChange', () => {
  it('reads what the triggers write', () => {
    expect(parseChange('{"kind" : "cell", "uuid" : "c-1"}')).toEqual({ kind: 'cell', uuid: 'c-1' });
    expect(parseChange('{"kind":"instance","uuid":"i-1"}')).toEqual({ kind: 'instance', uuid: 'i-1' });
  });

  it.each([
    ['nothing', undefined],
    ['empty', ''],
    ['not JSON', 'cell c-1'],
    ['JSON null', 'null'],
    ['an array', '["cell","c-1"]'],
    ['another kind', '{"kind":"host","uuid":"h-1"}'],
    ['no uuid', '{"kind":"cell"}'],
    ['a number uuid', '{"kind":"cell","uuid":7}'],
    ['an empty uuid', '{"kind":"cell","uuid":""}'],
    ['a long uuid', `{"kind":"cell","uuid":"${'x'.repeat(65)}"}`],
    ['a huge payload', `{"kind":"cell","uuid":"c","pad":"${'x'.repeat(2000)}"}`],
  ])('refuses %s', (_what, payload) => {
    expect(parseChange(payload)).toBeNull();
  });
});
