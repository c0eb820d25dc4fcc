/**
 * Where caddie's own files are, and the variables a course's config may use (`${PYTHON}`,
 * `${CADDIE_DATA}`): resolved in this one place. Settings (how long to train, ...) are never variables:
 * they are written in the course's config, so a resumed course trains what it trained before.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The caddie checkout: this file is src/local/caddie-paths.ts, unless CADDIE_ROOT names it (the bundled
 * CLI of `npm run build:cli` lives elsewhere and reads caddie's Python from a checkout).
 */
export const caddieRoot = process.env.CADDIE_ROOT
  ? path.resolve(process.env.CADDIE_ROOT)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const golfMiniDir = path.join(caddieRoot, "python", "golf_mini");
export const demoCourseDir = path.join(caddieRoot, "courses", "golf_mini");
export const sotuTextDir = path.join(caddieRoot, "node_modules", "@stdlib", "datasets-sotu", "data");

/** The Python that runs training: CADDIE_PYTHON, else the project venv made by setup, else python3. */
export function resolvePython(env: Record<string, string | undefined>): string {
  if (env.CADDIE_PYTHON) return env.CADDIE_PYTHON;
  const venv = path.join(caddieRoot, ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

export function courseVariables(env: Record<string, string | undefined>): Record<string, string> {
  return {
    PYTHON: resolvePython(env),
    CADDIE_DATA: env.CADDIE_DATA ?? path.join(caddieRoot, "data", "golf_mini"),
  };
}

/** The `${NAME}`s in `values` that `vars` does not define, each once. */
export function unknownVariables(values: string[], vars: Record<string, string | undefined>): string[] {
  const names = values.flatMap((v) =>
    [...v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] ?? ""),
  );
  return [...new Set(names)].filter((name) => vars[name] === undefined);
}

/** Replaces `${NAME}` from the given variables; unknown names are left empty. */
export function expandVariables(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => vars[name] ?? "");
}
