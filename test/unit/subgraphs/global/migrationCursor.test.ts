import { decodeMigrationCursor, encodeMigrationCursor } from '../../../../subgraphs/global/migrationCursor';

describe('migration cursors', () => {
  it('carry the creation time and id of the last row', () => {
    const position = { createdAt: new Date('2026-11-25T06:00:00.123Z'), id: 42 };
    expect(decodeMigrationCursor(encodeMigrationCursor(position))).toEqual(position);
  });

  it.each([
    ['not base64 json', 'garbage'],
    ['a cursor without an id', Buffer.from(JSON.stringify({ c: '2026-01-01T00:00:00Z' })).toString('base64url')],
    ['a cursor with a bad time', Buffer.from(JSON.stringify({ c: 'soon', i: 1 })).toString('base64url')],
  ])('refuse %s as BAD_USER_INPUT on after', (_, cursor) => {
    expect(() => decodeMigrationCursor(cursor)).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } }),
    );
  });
});
