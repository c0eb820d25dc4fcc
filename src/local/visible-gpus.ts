/**
 * The GPUs caddie can hand to its slots, in index order: CUDA_VISIBLE_DEVICES when caddie's own
 * environment sets it (indices then count within it, as torch counts them), else what nvidia-smi lists,
 * else what the configured Python's torch sees. [] when none is there; null when nothing could tell.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function visibleGpus(
  env: Record<string, string | undefined>,
  python: string,
): Promise<string[] | null> {
  const set = env.CUDA_VISIBLE_DEVICES;
  if (set !== undefined) {
    const items = set
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    // CUDA stops at the first invalid entry ("-1" hides every GPU).
    const valid = items.findIndex((s) => s.startsWith("-"));
    return valid === -1 ? items : items.slice(0, valid);
  }
  try {
    const { stdout } = await run("nvidia-smi", ["--query-gpu=index", "--format=csv,noheader"], {
      timeout: 30_000,
      env: { PATH: env.PATH ?? "/usr/bin:/bin" },
    });
    const indices = stdout
      .split("\n")
      .map((s) => s.trim())
      .filter((s) => /^\d+$/.test(s));
    if (indices.length > 0) return indices;
  } catch {
    // no nvidia-smi, or no driver: ask torch
  }
  try {
    const { stdout } = await run(python, ["-c", "import torch; print(torch.cuda.device_count())"], {
      timeout: 120_000,
      env: env as NodeJS.ProcessEnv,
    });
    const count = Number(stdout.trim().split("\n").at(-1));
    return Number.isInteger(count) && count >= 0 ? Array.from({ length: count }, (_, i) => String(i)) : null;
  } catch {
    return null;
  }
}
