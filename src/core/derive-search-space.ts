/**
 * A starting `search_space` for the offline sweep, derived from a training script's own settings (their
 * environment variables and defaults, read by hyperparameters.ts): a few typed neighbours around each
 * default. Settings that are not a model or optimizer choice are left out: paths, ids and seeds; the
 * budget and evaluation (changing them changes what is measured); the tokenizer's vocabulary size; the
 * launcher's own variables.
 */
import { readHyperparameters, type Hyperparameter } from "./hyperparameters.ts";

const NOT_A_CHOICE = [
  /PATH|_DIR$|_FILES?$|(?:^|_)ID$|SEED/, // where things are, which run it is
  /WALLCLOCK|^ITERATIONS$|_EVERY$|^VAL_|EVAL|_LOG/, // the budget and the measurement
  /VOCAB|TOKENIZER/, // fixed by the tokenizer and data
  /^(?:RANK|LOCAL_RANK|WORLD_SIZE|MASTER_\w+)$|THREADS|DEVICE|COMPILE/, // the launcher and the machine
];

/** 4 significant digits at most, as a plain number string ("0.9625", "0.0045", "1800"). */
function nice(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function intNeighbours(v: number): number[] {
  if (v <= 0) return [];
  if (isPowerOfTwo(v)) return v >= 64 ? [v / 2, (v * 3) / 4, v, (v * 3) / 2, v * 2] : [v / 2, v, v * 2];
  if (v < 16) return [v - 2, v - 1, v, v + 1, v + 2];
  // Larger counts move by halves and quarters: 1200 -> 600, 900, 1200, 1800, 2400.
  return [0.5, 0.75, 1, 1.5, 2].map((f) => Number((v * f).toPrecision(3)));
}

function floatNeighbours(v: number): number[] {
  if (!(v > 0)) return [];
  // Momenta and betas sit just below 1: what matters is their distance to 1.
  if (v >= 0.8 && v < 1) return [2, 1.5, 1, 0.75, 0.5].map((f) => 1 - (1 - v) * f);
  return [0.5, 0.75, 1, 1.5, 2].map((f) => v * f);
}

/** The candidate values of one setting, ascending and including its default; [] when it has none. */
export function neighbours(setting: Pick<Hyperparameter, "type" | "value">): string[] {
  const value = setting.value.trim();
  if (setting.type === "bool") {
    if (value === "0" || value === "1") return ["0", "1"];
    return value === "True" || value === "False" ? ["False", "True"] : [];
  }
  const n = Number(value);
  if (value === "" || !Number.isFinite(n)) return [];
  const isInt = setting.type === "int" || (setting.type === "str" && /^-?\d+$/.test(value));
  const values = isInt ? intNeighbours(n).filter((x) => Number.isInteger(x) && x >= 1) : floatNeighbours(n);
  const unique = [...new Set(values.map((x) => (isInt ? String(x) : nice(x))))];
  return unique.length > 1 ? unique.sort((a, b) => Number(a) - Number(b)) : [];
}

/** name -> candidate values for every setting of `source` that is a model or optimizer choice. */
export function deriveSearchSpace(source: string): Record<string, string[]> {
  const space: Record<string, string[]> = {};
  for (const setting of readHyperparameters(source)) {
    if (NOT_A_CHOICE.some((re) => re.test(setting.name))) continue;
    const values = neighbours(setting);
    if (values.length > 0) space[setting.name] = values;
  }
  return space;
}
