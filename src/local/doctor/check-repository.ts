/** The repository and its target script: a git repository holding a Parameter Golf training script. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { CaddieConfig } from "../../core/config.ts";
import { readHyperparameters } from "../../core/hyperparameters.ts";
import { Git } from "../git.ts";
import { fail, ok, warn, type Check } from "./check.ts";

/** The repository's top folder, or a failed check saying why there is none. */
export async function checkGit(repo: string): Promise<{ check: Check; root: string | null }> {
  const r = await new Git(repo).try(["rev-parse", "--show-toplevel"]).catch(() => null);
  if (!r || r.code !== 0) {
    return {
      root: null,
      check: fail(
        "git",
        `${repo} is not a git repository`,
        "clone your fork of openai/parameter-golf and run caddie there (or pass --repo PATH)",
      ),
    };
  }
  const root = r.stdout.trim();
  const head = await new Git(root).try(["rev-parse", "--short", "HEAD"]);
  if (head.code !== 0)
    return {
      root: null,
      check: fail("git", `${root} has no commit yet`, "commit train_gpt.py first: caddie branches from HEAD"),
    };
  return { root, check: ok("git", `${root} (HEAD ${head.stdout.trim()})`) };
}

/** The target script's source as committed, or a failed check. */
export async function checkTarget(
  root: string,
  config: CaddieConfig,
): Promise<{ check: Check; script: string | null }> {
  const committed = await new Git(root).try(["show", `HEAD:${config.target}`]);
  if (committed.code === 0)
    return { script: committed.stdout, check: ok("target", `${config.target} at HEAD`) };
  const onDisk = await readFile(path.join(root, config.target), "utf8").catch(() => null);
  const why = onDisk === null ? "not found" : "not committed (caddie trains commits)";
  return {
    script: null,
    check: fail(
      "target",
      `${config.target}: ${why} in ${root}`,
      onDisk === null
        ? `copy the training script to ${config.target}, or set target: in the config to the script's path`
        : `git add ${config.target} && git commit`,
    ),
  };
}

/**
 * Whether the script is something caddie can score: it prints val_bpb (or the config's metric_pattern says
 * what to read), reads its settings from the environment (what the sweep edits), and writes the model
 * file whose bytes are counted.
 */
export function checkScriptShape(script: string, config: CaddieConfig): Check[] {
  const checks: Check[] = [];
  if (!script.includes("val_bpb") && !config.metricPattern) {
    checks.push(
      fail(
        "script",
        `${config.target} never prints val_bpb: it is not a Parameter Golf training script caddie can score`,
        "start from openai/parameter-golf's train_gpt.py, or set metric_pattern: to a regex for the score line",
      ),
    );
  } else {
    const settings = readHyperparameters(script);
    checks.push(
      settings.length > 0
        ? ok("script", `${config.target} prints val_bpb and has ${settings.length} settings`)
        : warn(
            "script",
            `${config.target} reads no NAME = os.environ.get("NAME", default) settings`,
            "the sweep proposer edits those defaults; without them only Claude can propose",
          ),
    );
  }
  const modelFile = path.basename(config.model);
  if (!script.includes(modelFile))
    checks.push(
      warn(
        "model",
        `${config.target} never names ${modelFile}, the model file whose bytes caddie counts`,
        "set model: in the config to the compressed model file the script writes",
      ),
    );
  return checks;
}
