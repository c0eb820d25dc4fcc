/**
 * The scoring step on the runner: caddie's scorer (this action's own `python/`) on the held-out shard,
 * with the code from a fresh checkout of the commit (`score-code`), never the folder the run trained in.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ScoreResult } from "../core/score-result.ts";
import { runScorer } from "../io/run-scorer.ts";
import type { ScoreInputs } from "./read-inputs.ts";

/** caddie's `python/` folder: beside dist/ in the checked-out action, two levels up from src/action. */
export function caddiePythonDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, "python", "caddie_score"))) return path.join(dir, "python");
    dir = path.dirname(dir);
  }
  return path.join(dir, "python");
}

export async function scoreHere(
  how: Extract<ScoreInputs, { kind: "run" }>,
  model: string,
  /** The training script, as the first counted code file names it. */
  script: string,
): Promise<ScoreResult> {
  const work = path.join(process.env.RUNNER_TEMP || os.tmpdir(), "caddie-score");
  return runScorer({
    python: how.python,
    pythonDir: caddiePythonDir(),
    codeDir: path.resolve(how.code),
    script,
    model: path.resolve(model),
    heldout: path.resolve(how.tokens),
    tokenizer: how.tokenizer,
    device: how.device,
    timeoutSeconds: how.timeoutSeconds,
    maxTokens: how.maxTokens,
    env: how.env,
    workDir: work,
    resultFile: path.join(work, "score.json"),
  });
}
