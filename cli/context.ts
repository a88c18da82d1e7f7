import type { ApiClient, CellAccess } from '../cellsAdmin';
import type { CliConfig } from './config';

/** Where the command writes; process.stdout/stderr, or buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** What every command gets: config, the API database (opened on first use), output. */
export interface CliContext {
  config: CliConfig;
  api(): ApiClient;
  cellAccess: CellAccess;
  print(line?: string): void;
  /** The exit code of the command that ran; commands set it when it is not 0. */
  exitCode: number;
}
