/**
 * `caddie init` on fork-shaped repositories made here (real git): refusals before anything is written, a
 * search_space derived from the script's own settings in both forms (golf_mini's NAME = type(os.environ...)
 * lines and openai/parameter-golf's class Hyperparameters), workflows pinned to a resolved commit SHA.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readHyperparameters } from "../../../src/core/hyperparameters.ts";
import { configFromText } from "../../../src/github/load-repo-config.ts";
import { initCommand, initFiles } from "../../../src/local/commands/init.ts";
import { Git } from "../../../src/local/git.ts";
import { resolveSource, sourceOfCheckout } from "../../../src/local/resolve-source.ts";
import { repoRoot } from "../../helpers/shared.ts";

const forkScript = readFileSync(path.join(repoRoot, "test", "data", "fork", "train_gpt.py"), "utf8");
const golfMini = readFileSync(path.join(repoRoot, "python", "golf_mini", "train_gpt.py"), "utf8");
const SHA = "0123456789abcdef0123456789abcdef01234567";
const SOURCE = `someone/caddie@${SHA}`;
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "caddie-init-"));
  temps.push(dir);
  return dir;
}

async function forkWith(files: Record<string, string>): Promise<string> {
  const dir = await temp();
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  await new Git(dir).run(["init", "-q", "-b", "main"]);
  return dir;
}

function io(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      cwd,
      env,
      signal: new AbortController().signal,
    },
  };
}

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), "utf8");
type Workflow = { jobs: Record<string, { uses: string; secrets?: unknown }>; permissions: unknown };

describe("caddie init on a fork", () => {
  it("writes a valid config whose search_space comes from the script's class Hyperparameters", async () => {
    const dir = await forkWith({ "train_gpt.py": forkScript });
    const t = io(dir);
    expect(await initCommand.run(["--source", SOURCE], t.io)).toBe(0);
    const parsed = configFromText(read(dir, ".github/caddie.yml"));
    if (!("config" in parsed)) throw new Error(parsed.error);
    const space = parsed.config.searchSpace;
    const settings = new Map(readHyperparameters(forkScript).map((h) => [h.name, h.value]));
    expect(Object.keys(space).length).toBeGreaterThan(5);
    for (const [name, values] of Object.entries(space)) {
      // Every candidate list names a setting of the script and holds its default.
      expect(settings.has(name), name).toBe(true);
      expect(values.map(Number), name).toContain(Number(settings.get(name)));
    }
    expect(space.MATRIX_LR).toEqual(["0.02", "0.03", "0.04", "0.06", "0.08"]);
    expect(space.MUON_MOMENTUM).toEqual(["0.9", "0.925", "0.95", "0.9625", "0.975"]);
    expect(space.MODEL_DIM).toEqual(["256", "384", "512", "768", "1024"]);
    expect(space.TIE_EMBEDDINGS).toEqual(["0", "1"]);
    // Paths, ids, seeds, the budget and the tokenizer's vocabulary are not choices to sweep.
    for (const name of [
      "DATA_PATH",
      "TOKENIZER_PATH",
      "RUN_ID",
      "SEED",
      "ITERATIONS",
      "MAX_WALLCLOCK_SECONDS",
      "VOCAB_SIZE",
    ])
      expect(space[name], name).toBeUndefined();
    expect(t.out.join("")).toContain("wrote .github/caddie.yml");
  });

  it("derives golf_mini's search space from its NAME = type(os.environ.get(...)) lines", async () => {
    const dir = await forkWith({ "train_gpt.py": golfMini });
    expect(await initCommand.run(["--source", SOURCE], io(dir).io)).toBe(0);
    const parsed = configFromText(read(dir, ".github/caddie.yml"));
    if (!("config" in parsed)) throw new Error(parsed.error);
    expect(parsed.config.searchSpace.MATRIX_LR).toEqual(["0.003", "0.0045", "0.006", "0.009", "0.012"]);
    expect(parsed.config.searchSpace.NUM_LAYERS).toEqual(["2", "4", "8"]);
    expect(parsed.config.searchSpace.TORCH_THREADS).toBeUndefined();
    expect(parsed.config.searchSpace.VAL_MAX_TOKENS).toBeUndefined();
  });

  it("pins every workflow to the commit, with the ref as a comment, and prints how to host the App", async () => {
    const dir = await forkWith({ "train_gpt.py": forkScript });
    const t = io(dir);
    expect(await initCommand.run(["--dir", dir, "--source", SOURCE], t.io)).toBe(0);
    for (const [file, job, workflow] of [
      ["caddie-experiment.yml", "experiment", "experiment"],
      ["caddie-tick.yml", "tick", "tick"],
      ["caddie-research.yml", "research", "research"],
      ["caddie-promote.yml", "promote", "promote"],
    ] as const) {
      const text = read(dir, `.github/workflows/${file}`);
      const doc = parse(text) as Workflow & { jobs: Record<string, { with?: Record<string, unknown> }> };
      expect(doc.jobs[job]?.uses).toBe(`someone/caddie/.github/workflows/${workflow}.yml@${SHA}`);
      expect(text).toContain(`@${SHA} # a pinned commit`);
      // The code and action caddie checks out are the same commit.
      if (doc.jobs[job]?.with) expect(doc.jobs[job]?.with?.["caddie-ref"]).toBe(SHA);
      // Nothing by default; each job asks for what it needs.
      expect(doc.permissions).toEqual({});
    }
    type Caller = { on: Record<string, { inputs?: object } | null> };
    const caller = (name: string) => parse(read(dir, `.github/workflows/caddie-${name}.yml`)) as Caller;
    // Only the App starts training, promotion and research: dispatch only, never pull_request.
    for (const name of ["experiment", "research", "promote"])
      expect(Object.keys(caller(name).on)).toEqual(["workflow_dispatch"]);
    expect(Object.keys(caller("tick").on)).toEqual(["schedule", "workflow_dispatch"]);
    expect(Object.keys(caller("experiment").on.workflow_dispatch?.inputs ?? {})).toEqual(["pr", "sha"]);
    const experiment = parse(read(dir, ".github/workflows/caddie-experiment.yml")) as Workflow;
    expect(experiment.jobs.experiment?.secrets).toBeUndefined();
    const next = t.out.join("");
    for (const words of [
      "app.yml",
      "Register your own GitHub App",
      "WEBHOOK_SECRET",
      "PRIVATE_KEY_PATH",
      "tiers.proxy.runs_on",
      "MODAL_TOKEN_ID",
      "ANTHROPIC_API_KEY",
      "caddie doctor",
    ])
      expect(next).toContain(words);
    expect(next).not.toContain("Install the caddie GitHub App");
  });

  it("refuses to overwrite without --force, and overwrites with it", async () => {
    const dir = await forkWith({ "train_gpt.py": forkScript, ".github/caddie.yml": "mine: true\n" });
    const t = io(dir);
    expect(await initCommand.run(["--source", SOURCE], t.io)).toBe(1);
    expect(t.err.join("")).toContain("refusing to overwrite .github/caddie.yml");
    expect(read(dir, ".github/caddie.yml")).toBe("mine: true\n");
    expect(existsSync(path.join(dir, "program.md"))).toBe(false);
    expect(await initCommand.run(["--force", "--source", SOURCE], io(dir).io)).toBe(0);
    expect(read(dir, ".github/caddie.yml")).toContain("search_space:");
  });

  it.each([
    ["a folder that is not a git repository", async () => temp(), "is not a git repository"],
    [
      "a repository without train_gpt.py",
      async () => forkWith({ "README.md": "# fork\n" }),
      "has no train_gpt.py",
    ],
    [
      "a script that is not a Parameter Golf script",
      async () => forkWith({ "train_gpt.py": "print('hello')\n" }),
      "never prints val_bpb",
    ],
  ])("refuses %s and writes nothing", async (_what, make, message) => {
    const dir = await make();
    const t = io(dir);
    await expect(initCommand.run(["--source", SOURCE], t.io)).rejects.toThrow(message);
    expect(existsSync(path.join(dir, ".github"))).toBe(false);
    expect(existsSync(path.join(dir, "program.md"))).toBe(false);
  });

  it("refuses a subfolder of the repository", async () => {
    const dir = await forkWith({ "train_gpt.py": forkScript, "sub/train_gpt.py": forkScript });
    await expect(initCommand.run(["--dir", "sub", "--source", SOURCE], io(dir).io)).rejects.toThrow(
      "run caddie init at its top folder",
    );
  });

  it("rejects unknown flags with the usage", async () => {
    const t = io(await temp());
    expect(await initCommand.run(["--bogus"], t.io)).toBe(2);
    expect(t.err.join("")).toContain("usage: caddie init");
  });

  it("writes the default model and no search_space when the script has no settings", () => {
    const files = initFiles({ source: { repo: "a/b", sha: SHA, ref: "v1" } });
    expect(files[".github/caddie.yml"]).not.toContain("search_space:");
    expect(files[".github/workflows/caddie-tick.yml"]).toContain(
      `a/b/.github/workflows/tick.yml@${SHA} # v1`,
    );
  });
});

describe("where caddie comes from (--source)", () => {
  /** A bare repository at <base>/someone/caddie with a branch, a lightweight and an annotated tag. */
  async function upstream(): Promise<{ base: string; head: string; first: string }> {
    const base = await temp();
    const work = await forkWith({ "README.md": "caddie\n" });
    const git = new Git(work);
    await git.run(["add", "-A"]);
    await git.run(["commit", "-q", "-m", "one"]);
    const first = await git.run(["rev-parse", "HEAD"]);
    await git.run(["tag", "-a", "v1", "-m", "release 1"]);
    await writeFile(path.join(work, "README.md"), "caddie 2\n");
    await git.run(["commit", "-qam", "two"]);
    await git.run(["tag", "light"]);
    const head = await git.run(["rev-parse", "HEAD"]);
    await mkdir(path.join(base, "someone"), { recursive: true });
    await git.run(["clone", "-q", "--bare", work, path.join(base, "someone", "caddie")]);
    return { base, head, first };
  }

  it("resolves a tag (annotated: to its commit) or a branch to the full SHA, keeping the ref", async () => {
    const { base, head, first } = await upstream();
    expect(await resolveSource("someone/caddie@v1", base)).toEqual({
      repo: "someone/caddie",
      sha: first,
      ref: "v1",
    });
    expect((await resolveSource("someone/caddie@light", base)).sha).toBe(head);
    expect((await resolveSource("someone/caddie@main", base)).sha).toBe(head);
    const dir = await forkWith({ "train_gpt.py": forkScript });
    expect(
      await initCommand.run(["--source", "someone/caddie@v1"], io(dir, { CADDIE_GIT_BASE: base }).io),
    ).toBe(0);
    expect(read(dir, ".github/workflows/caddie-tick.yml")).toContain(`tick.yml@${first} # v1`);
  });

  it("refuses what it cannot pin: an unknown ref, an unreachable repository, a short SHA, a bad spec", async () => {
    const { base } = await upstream();
    await expect(resolveSource("someone/caddie@v9", base)).rejects.toThrow(
      /no such tag or branch\): pin caddie to a commit with --source someone\/caddie@<40-hex commit SHA>/,
    );
    await expect(resolveSource("nobody/nothing@v1", base)).rejects.toThrow("could not be reached");
    await expect(resolveSource("someone/caddie@0123abc", base)).rejects.toThrow(
      "full 40-character commit SHA",
    );
    await expect(resolveSource("caddie@v1", base)).rejects.toThrow("--source must be owner/repo@ref");
    const dir = await forkWith({ "train_gpt.py": forkScript });
    await expect(
      initCommand.run(["--source", "someone/caddie@v9"], io(dir, { CADDIE_GIT_BASE: base }).io),
    ).rejects.toThrow("cannot resolve");
    expect(existsSync(path.join(dir, ".github"))).toBe(false);
  });

  it("without --source, takes a checkout's GitHub origin at its pushed HEAD, and refuses an unpushed one", async () => {
    const checkout = await forkWith({ "README.md": "caddie\n" });
    const git = new Git(checkout);
    await git.run(["add", "-A"]);
    await git.run(["commit", "-q", "-m", "one"]);
    await expect(sourceOfCheckout(checkout)).rejects.toThrow("no GitHub origin");
    await git.run(["remote", "add", "origin", "https://github.com/someone/caddie.git"]);
    await expect(sourceOfCheckout(checkout)).rejects.toThrow("HEAD is not pushed to someone/caddie");
    await git.run(["update-ref", "refs/remotes/origin/main", "HEAD"]);
    const head = await git.run(["rev-parse", "HEAD"]);
    expect(await sourceOfCheckout(checkout)).toEqual({ repo: "someone/caddie", sha: head, ref: "main" });
  });
});
