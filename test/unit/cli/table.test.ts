import { table } from '../../../cli/table';

describe('rendering a table', () => {
  it('pads every column to its widest value and shows missing values as "-"', () => {
    expect(
      table(
        ['Name', 'Disabled'],
        [
          ['cell0', false],
          [null, true],
        ],
      ),
    ).toBe(
      [
        '+-------+----------+',
        '| Name  | Disabled |',
        '+-------+----------+',
        '| cell0 | false    |',
        '| -     | true     |',
        '+-------+----------+',
      ].join('\n'),
    );
  });
});
