import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The project's shared folder (real logs, records, FineWeb sample), which sits beside the checkout in
 * development and CI. On a user's fresh clone it is absent, and fixture tests skip with this message.
 */
export const sharedDir = process.env.CADDIE_SHARED_DIR ?? path.resolve(repoRoot, "../shared");
export const hasShared = existsSync(path.join(sharedDir, "fixtures"));
export const sharedMissing = `../shared/fixtures not found beside the checkout (${sharedDir}); fixture tests skipped`;

export function fixture(...parts: string[]): string {
  return path.join(sharedDir, "fixtures", ...parts);
}
