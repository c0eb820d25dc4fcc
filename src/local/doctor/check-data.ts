/**
 * The data and tokenizer where the script looks: the script's own defaults (`DATA_PATH`, `TOKENIZER_PATH`
 * and the like), overridden by the config's tiers.proxy.env, resolved from the repository's top folder
 * (the run folder holds the same files: the commit plus the untracked data).
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { CaddieConfig } from "../../core/config.ts";
import { readHyperparameters } from "../../core/hyperparameters.ts";
import { expandVariables } from "../caddie-paths.ts";
import { fail, ok, warn, type Check } from "./check.ts";

const DATASET_SETTING = /DATA(?:SET)?(?:_[A-Z0-9]+)*_(?:PATH|DIR)$/;
const TOKENIZER_SETTING = /TOKENIZER(?:_[A-Z0-9]+)*_(?:PATH|FILE)$/;

/** The download variant a path names: `fineweb10B_sp1024` or `fineweb_1024_bpe.model` -> "sp1024". */
function variantOf(value: string): string | null {
  const dataset = /fineweb10B_([a-z0-9]+)/i.exec(value)?.[1];
  const vocab = /fineweb_(\d+)_bpe/i.exec(value)?.[1];
  return dataset ?? (vocab ? `sp${vocab}` : null);
}

/** Where the data comes from in openai/parameter-golf: its own download script, by variant. */
function downloadHint(value: string, setting: string): string {
  const variant = variantOf(value);
  const download = variant
    ? `run 'python3 data/cached_challenge_fineweb.py --variant ${variant} --train-shards 1' in the repository (it fetches the shards and the tokenizer)`
    : "put the files there";
  return `${download}, or set ${setting} in tiers.proxy.env to where they are`;
}

async function kind(file: string): Promise<"dir" | "file" | null> {
  const info = await stat(file).catch(() => null);
  return info === null ? null : info.isDirectory() ? "dir" : "file";
}

/** The settings' values as a run sees them: the config's env first, the script's default second. */
function settingValues(script: string, config: CaddieConfig, vars: Record<string, string | undefined>) {
  const values = new Map(readHyperparameters(script).map((h) => [h.name, h.value]));
  for (const [name, value] of Object.entries(config.tiers.proxy.env))
    values.set(name, expandVariables(value, vars));
  return values;
}

/** A shell-style file pattern (`fineweb_val_*.bin`) as a regex. */
function globRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/**
 * A run folder holds the commit plus the untracked files of `data.paths`: a relative path elsewhere is
 * seen by a run only if its files are committed.
 */
function outsideDataPaths(value: string, config: CaddieConfig): boolean {
  if (path.isAbsolute(value)) return false;
  const rel = path.normalize(value);
  return !config.data.paths.some(
    (p) => rel === path.normalize(p) || rel.startsWith(`${path.normalize(p)}${path.sep}`),
  );
}

async function datasetCheck(root: string, name: string, value: string, config: CaddieConfig): Promise<Check> {
  const where = path.resolve(root, value);
  const files = (await kind(where)) === "dir" ? await readdir(where) : null;
  const valShard = globRegex(config.data.valPattern);
  const val = files?.filter((f) => valShard.test(f)).length ?? 0;
  const train = files?.filter((f) => /train.*\.bin$/.test(f) && !valShard.test(f)).length ?? 0;
  if (files === null)
    return fail("data", `${name}=${value}: ${where} does not exist`, downloadHint(value, name));
  if (train === 0 || val === 0)
    return fail(
      "data",
      `${name}=${value}: ${where} holds ${train} train and ${val} validation shards (${config.data.valPattern})`,
      downloadHint(value, name),
    );
  if (outsideDataPaths(value, config))
    return warn(
      "data",
      `${name}=${value} is outside data.paths (${config.data.paths.join(", ")}): runs see its files only if they are committed`,
      `add its folder to data.paths in the config`,
    );
  return ok("data", `${name}=${value}: ${train} train and ${val} validation shards`);
}

export async function checkData(
  root: string,
  script: string,
  config: CaddieConfig,
  vars: Record<string, string | undefined>,
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [name, value] of settingValues(script, config, vars)) {
    if (value === "") continue;
    if (DATASET_SETTING.test(name)) checks.push(await datasetCheck(root, name, value, config));
    else if (TOKENIZER_SETTING.test(name)) {
      const where = path.resolve(root, value);
      if ((await kind(where)) !== "file")
        checks.push(fail("tokenizer", `${name}=${value}: ${where} not found`, downloadHint(value, name)));
      else checks.push(ok("tokenizer", `${name}=${value}`));
    }
  }
  if (!checks.some((c) => c.name === "data"))
    checks.push(
      warn(
        "data",
        `${config.target} reads no DATA_PATH-like setting, so caddie cannot check its data`,
        "make sure the script finds its shards in the run folder (the commit plus the untracked files of data.paths)",
      ),
    );
  return checks;
}
