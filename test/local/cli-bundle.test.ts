/**
 * `npm run build:cli`: the CLI as one file for machines with only a Node binary (the GPU device scripts).
 * The bundle runs with a plain `node`, reads caddie's own files from CADDIE_ROOT, and gives the same
 * answers as the CLI from the sources.
 */
import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/shared.ts";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "caddie-bundle-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the bundled CLI", () => {
  it("builds, runs with plain node outside the checkout, and parses a log as the sources do", async () => {
    const bundle = path.join(dir, "caddie.mjs");
    await run(process.execPath, [path.join(repoRoot, "scripts", "build-cli.mjs"), "--outfile", bundle]);
    const log = path.join(repoRoot, "test", "data", "logs", "proxy-baseline.log");
    const fromBundle = await run(process.execPath, [bundle, "parse-log", log, "--json"], {
      cwd: dir,
      env: { PATH: process.env.PATH, CADDIE_ROOT: repoRoot },
    });
    const fromSources = await run(process.execPath, [
      path.join(repoRoot, "bin", "caddie"),
      "parse-log",
      log,
      "--json",
    ]);
    expect(JSON.parse(fromBundle.stdout)).toEqual(JSON.parse(fromSources.stdout));
    expect(JSON.parse(fromBundle.stdout).val_bpb).toBeGreaterThan(0);
  }, 120_000);
});
