import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../src/local/cli.ts";
import { tempRepo } from "../helpers/temp-repo.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function cli(args: string[], cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd,
    env: { PATH: process.env.PATH },
    signal: new AbortController().signal,
  });
  return { code, out: out.join(""), err: err.join("") };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "caddie-cli-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("caddie CLI", () => {
  it("lists the commands on --help and exits 2 on an unknown command", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const name of ["demo", "run", "parse-log", "measure"]) expect(help.out).toContain(name);
    const unknown = await cli(["fly"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'fly'");
  });

  it("prints a command's usage on --help", async () => {
    const r = await cli(["run", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("caddie run --repo PATH --tag TAG");
  });

  it.each([
    [["run", "--tag", "x"], "--repo PATH is required"],
    [["run", "--repo", "."], "--tag TAG is required"],
    [["run", "--repo", ".", "--tag", "x", "--agent", "gpt"], "--agent must be auto, sweep or claude"],
    [["run", "--repo", ".", "--tag", "x", "--max-experiments", "many"], "--max-experiments must be"],
    [["run", "--repo", ".", "--tag", "x", "--bogus"], "Unknown option"],
    [["demo", "--experiments", "-1"], "--experiments"],
    [["demo", "--experiments=2.5"], "--experiments must be a non-negative whole number"],
  ])("rejects %j with one clear line and exit 2", async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("refuses a folder that is not a git repository", async () => {
    const dir = await tempDir();
    const r = await cli(["run", "--repo", dir, "--tag", "t"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("is not a git repository");
  });

  it("reports a config that does not parse, naming the file and the key", async () => {
    const repo = await tempRepo({ "train_gpt.py": "x = 1\n" });
    cleanups.push(repo.cleanup);
    await mkdir(path.join(repo.dir, ".github"));
    await writeFile(path.join(repo.dir, ".github", "caddie.yml"), "thresholds: {min_delta: lots}\n");
    const r = await cli(["run", "--repo", repo.dir, "--tag", "t"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("caddie.yml: config: 'thresholds.min_delta' must be a number");
    await writeFile(path.join(repo.dir, ".github", "caddie.yml"), "thresholds: [unclosed\n");
    const broken = await cli(["run", "--repo", repo.dir, "--tag", "t"]);
    expect(broken.err).toContain("is not valid YAML");
  });

  it("asks for a search space when neither a key nor a sweep space is configured", async () => {
    const repo = await tempRepo({ "train_gpt.py": "x = 1\n" });
    cleanups.push(repo.cleanup);
    const r = await cli(["run", "--repo", repo.dir, "--tag", "t"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("needs a search_space");
  });

  it("refuses a demo folder that is not empty", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "keep.txt"), "mine");
    const r = await cli(["demo", "--dir", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not empty|cannot import torch/);
  });
});
