import { constants } from "node:os";
import { UserError } from "../core/user-error.ts";
import type { CommandIO } from "./commands/command.ts";
import { commands } from "./commands/index.ts";

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: caddie <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'caddie <command> --help' for a command's options.\n`;
}

/**
 * Ctrl-C, a `kill`/`timeout`/CI cancel (SIGTERM) and a closed terminal (SIGHUP) all stop caddie the same
 * way: the current run's process group ends, nothing half-done is recorded, and the exit code says which.
 */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Entry point of bin/caddie. Returns the exit code; never throws. */
export async function main(argv: string[], io: Partial<CommandIO> = {}): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  // Handlers stay for the whole command: a second signal must not kill caddie before the group is gone.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) return;
    stoppedBy = signal;
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  // A terminal that went away (SIGHUP) closes stdout; a failed write must not crash the clean-up.
  const ignore = () => undefined;
  const full: CommandIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
    ...io,
  };
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    full.stdout(usage());
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    full.stderr(`caddie: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    full.stdout(`usage: ${command.usage}\n`);
    return 0;
  }
  if (!io.signal) {
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    process.stdout.on("error", ignore);
    process.stderr.on("error", ignore);
  }
  try {
    const code = await command.run(rest, full);
    return stoppedBy ? 128 + constants.signals[stoppedBy] : code;
  } catch (error) {
    if (error instanceof UserError) {
      full.stderr(`caddie ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    // node:util parseArgs reports bad flags as errors with ERR_PARSE_ARGS_* codes: usage errors, not bugs.
    if (
      error instanceof Error &&
      String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")
    ) {
      full.stderr(`caddie ${name}: ${error.message}\nusage: ${command.usage.split("\n")[0]}\n`);
      return 2;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    full.stderr(`caddie ${name}: internal error (please report it)\n${message}\n`);
    return 70;
  } finally {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
  }
}
