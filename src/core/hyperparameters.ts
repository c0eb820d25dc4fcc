/**
 * Reads and rewrites the default values of a training script's environment-variable settings, in the
 * forms golf_mini and openai/parameter-golf's train_gpt.py use:
 *   MODEL_DIM = int(os.environ.get("MODEL_DIM", 128))  # residual width          (golf_mini)
 *   num_layers = int(os.environ.get("NUM_LAYERS", 9))                               (class Hyperparameters)
 *   tie_embeddings: bool = bool(int(os.environ.get("TIE_EMBEDDINGS", "1")))
 *   data_path = os.environ.get("DATA_PATH", "./data/datasets/fineweb10B_sp1024")
 * A setting is named by its environment variable. Rewriting the literal in place makes every sweep step a
 * real, reviewable code change rather than a hidden environment variable.
 */
import { UserError } from "../core/user-error.ts";

export type HyperparameterType = "int" | "float" | "str" | "bool";

export interface Hyperparameter {
  /** The environment variable that overrides it. */
  name: string;
  /** The name it is assigned to in the script (`warmdown_iters`, `MODEL_DIM`), as code refers to it. */
  variable: string;
  type: HyperparameterType;
  /** The default as written in the source, without quotes. */
  value: string;
}

const LINE =
  /^\s*(?<variable>[A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_][\w[\], .]*)?=\s*(?<wrappers>(?:(?:int|float|str|bool)\(\s*)*)os\.environ\.get\(\s*["'](?<key>[A-Z][A-Z0-9_]*)["']\s*,\s*(?<literal>"[^"\n\\]*"|'[^'\n\\]*'|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|True|False)\s*\)/;

interface Match {
  name: string;
  variable: string;
  type: HyperparameterType;
  literal: string;
  /** Offset of the literal in the line. */
  at: number;
}

function match(line: string): Match | null {
  const m = LINE.exec(line);
  const groups = m?.groups;
  if (!m || !groups?.key || groups.literal === undefined) return null;
  // The outermost conversion decides what the setting is: bool(int(...)) is a bool.
  const outer = /^(int|float|str|bool)/.exec(groups.wrappers ?? "")?.[1] ?? "str";
  const literal = groups.literal;
  const at = m.index + m[0].lastIndexOf(literal);
  return {
    name: groups.key,
    variable: groups.variable ?? groups.key,
    type: outer as HyperparameterType,
    literal,
    at,
  };
}

function unquote(literal: string): string {
  return /^["']/.test(literal) ? literal.slice(1, -1) : literal;
}

/** All settings found in the source, in file order (a key read twice is listed once). */
export function readHyperparameters(source: string): Hyperparameter[] {
  const found = new Map<string, Hyperparameter>();
  for (const line of source.split("\n")) {
    const m = match(line);
    if (m && !found.has(m.name))
      found.set(m.name, {
        name: m.name,
        variable: m.variable,
        type: m.type,
        value: unquote(m.literal).replace(/_/g, m.type === "str" ? "_" : ""),
      });
  }
  return [...found.values()];
}

/** Checks a value against the setting's type and writes it the way the original literal was written. */
function literalFor(m: Match, value: string): string {
  const number = Number(value);
  const isNumber = value.trim() !== "" && Number.isFinite(number);
  if (m.type === "int" && !(isNumber && Number.isInteger(number)))
    throw new UserError(`setting ${m.name}: '${value}' is not an integer`);
  if (m.type === "float" && !isNumber) throw new UserError(`setting ${m.name}: '${value}' is not a number`);
  if (m.type === "bool" && !["0", "1", "True", "False"].includes(value))
    throw new UserError(`setting ${m.name}: '${value}' is not a bool (0, 1, True, False)`);
  if (/["'\\\n]/.test(value))
    throw new UserError(`setting ${m.name}: value ${JSON.stringify(value)} cannot be written`);
  return /^["']/.test(m.literal) ? JSON.stringify(value) : value;
}

/** Returns the source with the given defaults replaced; every name must exist in the source. */
export function setHyperparameters(source: string, changes: Record<string, string>): string {
  const pending = new Set(Object.keys(changes));
  const lines = source.split("\n").map((line) => {
    const m = match(line);
    if (!m || !(m.name in changes)) return line;
    pending.delete(m.name);
    return line.slice(0, m.at) + literalFor(m, changes[m.name] ?? "") + line.slice(m.at + m.literal.length);
  });
  if (pending.size > 0) throw new UserError(`setting(s) not found in the script: ${[...pending].join(", ")}`);
  return lines.join("\n");
}
