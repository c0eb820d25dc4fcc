/**
 * Reads and rewrites the default values of a training script's hyperparameters, written one per line as
 *   MODEL_DIM = int(os.environ.get("MODEL_DIM", 128))  # residual width
 * (the form of golf_mini and of openai/parameter-golf's train_gpt.py). Rewriting the literal in place makes
 * every sweep step a real, reviewable code change rather than a hidden environment variable.
 */
import { UserError } from "../core/user-error.ts";

export type HyperparameterType = "int" | "float" | "str" | "bool";

export interface Hyperparameter {
  name: string;
  type: HyperparameterType;
  /** The default as written in the source, without quotes. */
  value: string;
}

const LINE =
  /^(?<indent>[ \t]*)(?<name>[A-Z][A-Z0-9_]*)\s*=\s*(?<type>int|float|str|bool)\(\s*os\.environ\.get\(\s*["'](?<key>[A-Z][A-Z0-9_]*)["']\s*,\s*(?<literal>"[^"\n]*"|'[^'\n]*'|[-+0-9.eE_]+|True|False)\s*\)\s*\)/;

function unquote(literal: string): string {
  return /^["']/.test(literal) ? literal.slice(1, -1) : literal;
}

/** All hyperparameters found in the source, in file order. */
export function readHyperparameters(source: string): Hyperparameter[] {
  const found: Hyperparameter[] = [];
  for (const line of source.split("\n")) {
    const m = LINE.exec(line);
    if (m?.groups && m.groups.name === m.groups.key) {
      found.push({
        name: m.groups.name ?? "",
        type: (m.groups.type ?? "str") as HyperparameterType,
        value: unquote(m.groups.literal ?? ""),
      });
    }
  }
  return found;
}

function literalFor(type: HyperparameterType, name: string, value: string): string {
  if (type === "str") {
    if (/["\\\n]/.test(value))
      throw new UserError(`hyperparameter ${name}: value ${JSON.stringify(value)} cannot be written`);
    return JSON.stringify(value);
  }
  if (type === "bool") {
    if (!["0", "1", "True", "False"].includes(value))
      throw new UserError(`hyperparameter ${name}: '${value}' is not a bool`);
    return value;
  }
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new UserError(`hyperparameter ${name}: '${value}' is not a number`);
  if (type === "int" && !Number.isInteger(n))
    throw new UserError(`hyperparameter ${name}: '${value}' is not an integer`);
  return value;
}

/** Returns the source with the given defaults replaced; every name must exist in the source. */
export function setHyperparameters(source: string, changes: Record<string, string>): string {
  const pending = new Set(Object.keys(changes));
  const lines = source.split("\n").map((line) => {
    const m = LINE.exec(line);
    const name = m?.groups?.name;
    if (!m?.groups || !name || name !== m.groups.key || !pending.has(name)) return line;
    pending.delete(name);
    const literal = m.groups.literal ?? "";
    const start = line.indexOf(literal, line.indexOf("os.environ.get"));
    const value = changes[name] ?? "";
    return (
      line.slice(0, start) +
      literalFor(m.groups.type as HyperparameterType, name, value) +
      line.slice(start + literal.length)
    );
  });
  if (pending.size > 0)
    throw new UserError(`hyperparameter(s) not found in the script: ${[...pending].join(", ")}`);
  return lines.join("\n");
}
