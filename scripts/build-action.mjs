// Bundles the action (src/action/index.ts) into dist/index.js, the file action.yml runs.
//   node scripts/build-action.mjs                   -> dist/index.js (+ dist/package.json)
//   node scripts/build-action.mjs --outdir DIR      -> the same files in DIR (the staleness test compares them)
// The output is committed: a JavaScript action runs without `npm install` on the runner.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = path.resolve(values.outdir ?? path.join(root, "dist"));

await mkdir(outdir, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/action/index.ts"],
  outfile: path.join(outdir, "index.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24", // action.yml runs the bundle on GitHub's node24
  charset: "utf8",
  legalComments: "eof",
  logLevel: "warning",
  // A worktree may link node_modules from another checkout; keep the paths esbuild writes into comments
  // the linked ones (node_modules/...), so every checkout builds the same bytes.
  preserveSymlinks: true,
  // @actions/core's HTTP stack pulls in CommonJS packages that call require("net"); an ESM bundle has no
  // require, so give it one (testing-a-github-app-offline.md, section 4).
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
// The bundle is ESM; say so beside it rather than rely on the repository's package.json or syntax detection.
await writeFile(path.join(outdir, "package.json"), '{ "type": "module" }\n');
process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outdir, "index.js")) || "index.js"}\n`);
