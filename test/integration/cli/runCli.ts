import { runCells } from '../../../cli/runCells';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one cells command in-process against `env`, capturing its output. */
export async function cells(env: Record<string, string>, ...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCells(argv, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
