import type { Stats } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { gateArtifact, type ArtifactGateResult } from "../core/artifact-gate.ts";
import { UserError } from "../core/user-error.ts";

export interface MeasureArtifactOptions {
  /** The counted code files (normally just `train_gpt.py`); relative paths resolve against the process cwd. */
  code: string[];
  /** The compressed model file (e.g. `final_model.int8.ptz`). */
  model: string;
  limit?: number;
  logArtifactBytes?: number | null;
}

/** The size of a regular file, or a UserError naming what is wrong with it. */
async function fileSize(file: string, role: string): Promise<{ real: string; size: number }> {
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new UserError(`${role} file not found: ${file}`);
    throw new UserError(`cannot read ${role} file ${file}: ${(error as Error).message}`);
  }
  if (!info.isFile()) throw new UserError(`${role} path is not a regular file: ${file}`);
  return { real: await realpath(file), size: info.size };
}

/**
 * Counts the artifact's bytes on disk and gates them: code = the byte sizes of the code files (their
 * UTF-8 bytes, which is what the challenge counts), model = the model file's size. A file named twice
 * counts once. Throws UserError for a missing code or model file, an empty model, or a bad limit.
 *
 * @example await measureArtifactFiles({ code: ["train_gpt.py"], model: "final_model.int8.ptz" })
 */
export async function measureArtifactFiles(options: MeasureArtifactOptions): Promise<ArtifactGateResult> {
  if (options.code.length === 0)
    throw new UserError("no code file given: name train_gpt.py (and any other counted code)");
  const seen = new Set<string>();
  let codeBytes = 0;
  for (const file of options.code) {
    const { real, size } = await fileSize(path.resolve(file), "code");
    if (seen.has(real)) continue;
    seen.add(real);
    codeBytes += size;
  }
  const model = await fileSize(path.resolve(options.model), "model");
  if (model.size === 0) {
    throw new UserError(`model file is empty: ${options.model} (did training finish writing it?)`);
  }
  return gateArtifact({
    codeBytes,
    modelBytes: model.size,
    limit: options.limit,
    logArtifactBytes: options.logArtifactBytes ?? null,
  });
}
