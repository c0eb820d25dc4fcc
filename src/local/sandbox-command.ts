/**
 * How a training process is started: through caddie's sandbox wrapper
 * (`python -m caddie_score.sandbox`: bubblewrap when the machine allows it, otherwise a direct exec with
 * only the given environment), or directly when the tier's sandbox is `none`. Either way the process
 * gets exactly the allow-listed environment; the wrapper execs, so the whole process group still ends
 * with a signal to the group.
 */
import path from "node:path";
import { caddieRoot } from "./caddie-paths.ts";

export interface SandboxSpec {
  /** `auto`: the wrapper; `none`: a direct spawn (the guards still detect what a run changed). */
  mode: "auto" | "none";
  /** The Python that runs the wrapper. */
  python: string;
  /** Readable, not writable (the data the view links to). */
  ro: string[];
  /** The only writable places (the run folder, caches). */
  rw: string[];
  /** Not visible at all (the repository, caddie's state, the original and held-out data). */
  hide: string[];
  network: boolean;
  env: Record<string, string>;
  cwd: string;
  /** Where the wrapper writes what it could enforce. */
  report: string;
}

export interface SpawnPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function sandboxedCommand(spec: SandboxSpec, argv: string[]): SpawnPlan {
  const [command = "", ...args] = argv;
  if (spec.mode === "none") return { command, args, env: spec.env };
  const flags: string[] = [];
  for (const p of spec.hide) flags.push("--hide", p);
  for (const p of spec.ro) flags.push("--ro", p);
  for (const p of spec.rw) flags.push("--rw", p);
  if (!spec.network) flags.push("--no-net");
  for (const [name, value] of Object.entries(spec.env)) flags.push("--env", `${name}=${value}`);
  flags.push("--cwd", spec.cwd, "--report", spec.report);
  return {
    command: spec.python,
    args: ["-m", "caddie_score.sandbox", ...flags, "--", command, ...args],
    // The wrapper itself needs only to find its module; it hands the run `spec.env` and nothing else.
    env: { PATH: spec.env.PATH ?? "/usr/bin:/bin", PYTHONPATH: path.join(caddieRoot, "python") },
  };
}
