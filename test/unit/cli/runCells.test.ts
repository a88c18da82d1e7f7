import { exitCodeFor, EXIT } from '../../../cli/exitCodes';
import { runCells } from '../../../cli/runCells';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCells(argv, {
    env: {},
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('the cells command without a database', () => {
  it('prints help and exits 0 with --help', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('verify-instance');
  });

  it('exits 64 without a command and for a command missing its options', async () => {
    expect((await run()).code).toBe(EXIT.USAGE);
    expect(await run('verify-instance')).toMatchObject({
      code: EXIT.USAGE,
      stderr: expect.stringContaining("required option '--uuid <uuid>'"),
    });
  });

  it("maps library refusals to exit codes outside verify-instance's 0-3", () => {
    expect(exitCodeFor('BAD_INPUT')).toBe(64);
    expect([exitCodeFor('NOT_FOUND'), exitCodeFor('CONFLICT'), exitCodeFor('REFUSED')]).toEqual([4, 4, 4]);
  });
});
