/**
 * `npm run golden`: rewrites test/golden/expected/ from the renderers (test/golden/cases.ts). Run it after a
 * deliberate change to what a page looks like, and review the diff before committing.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { GOLDEN_CASES } from "../test/golden/cases.ts";

const dir = path.join(import.meta.dirname, "..", "test", "golden", "expected");
await mkdir(dir, { recursive: true });
for (const name of await readdir(dir)) if (!(name in GOLDEN_CASES)) await rm(path.join(dir, name));
for (const [name, render] of Object.entries(GOLDEN_CASES)) {
  await writeFile(path.join(dir, name), render());
  process.stdout.write(`wrote test/golden/expected/${name}\n`);
}
