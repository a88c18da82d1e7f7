import { SERVER_SEMI_SPACE_MB, serverNodeOptions } from '../../../deployment/supervisor';

describe('the NODE_OPTIONS a server child gets', () => {
  it('adds the young-generation size to nothing', () => {
    expect(serverNodeOptions(undefined)).toBe(`--max-semi-space-size=${SERVER_SEMI_SPACE_MB}`);
  });

  it("keeps the caller's options and adds the size after them", () => {
    expect(serverNodeOptions('--enable-source-maps')).toBe(
      `--enable-source-maps --max-semi-space-size=${SERVER_SEMI_SPACE_MB}`,
    );
  });

  it('leaves a size the caller chose alone', () => {
    expect(serverNodeOptions('--max-semi-space-size=16 --trace-gc')).toBe('--max-semi-space-size=16 --trace-gc');
  });
});
