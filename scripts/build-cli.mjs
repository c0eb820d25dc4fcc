// Bundles the CLI (src/local/cli.ts) into one file that runs with a plain `node`, no node_modules and no
// tsx: for machines that only get a Node binary and this repository's files (the GPU device scripts).
//   node scripts/build-cli.mjs                  -> build/caddie.mjs
//   node scripts/build-cli.mjs --outfile FILE   -> FILE
// Run the bundle with CADDIE_ROOT set to a checkout of this repository: caddie's Python (the sandbox
// wrapper, the split, the scorer, golf_mini) is read from there.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = path.resolve(values.outfile ?? path.join(root, "build", "caddie.mjs"));

await mkdir(path.dirname(outfile), { recursive: true });
await build({
  absWorkingDir: root,
  stdin: {
    contents:
      'import { main } from "./src/local/cli.ts";\nprocess.exitCode = await main(process.argv.slice(2));\n',
    resolveDir: root,
    sourcefile: "caddie-cli.ts",
    loader: "ts",
  },
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22", // package.json engines
  charset: "utf8",
  legalComments: "eof",
  logLevel: "warning",
  // CommonJS dependencies call require(); an ESM bundle has none of its own.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
process.stdout.write(`wrote ${path.relative(process.cwd(), outfile) || outfile}\n`);
