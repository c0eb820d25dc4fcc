/** What a CLI command gets from the outside world; tests pass their own. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

/** A CLI sub-command: parses its own arguments, returns the process exit code. */
export interface Command {
  name: string;
  /** Optional here: the one-line summary `caddie --help` shows lives in commands/index.ts. */
  summary?: string;
  usage: string;
  run(args: string[], io: CommandIO): Promise<number>;
}
