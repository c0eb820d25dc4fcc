/** Reads the caddie config of a local repository: --config FILE, else .github/caddie.yml, else defaults. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { parseConfig, type CaddieConfig } from "../core/config.ts";
import { UserError } from "../core/user-error.ts";

export async function loadConfig(
  repo: string,
  explicit?: string,
): Promise<{ config: CaddieConfig; source: string }> {
  const file = explicit ? path.resolve(explicit) : path.join(repo, ".github", "caddie.yml");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && !explicit)
      return { config: parseConfig(null), source: "defaults" };
    throw new UserError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new UserError(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  try {
    return { config: parseConfig(doc), source: file };
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${file}: ${error.message}`);
    throw error;
  }
}
