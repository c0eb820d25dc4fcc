/**
 * `caddie doctor` and the checks `caddie run` runs first, on fork-shaped repositories made here (real git,
 * the project's Python, the local Models API fake over real HTTP). Bad input from issue 9: a fork without
 * data, a script that is not a Parameter Golf script, a config naming a missing model, a full disk.
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Check } from "../../src/local/doctor/check.ts";
import { checkApp } from "../../src/local/doctor/check-app.ts";
import { checkData } from "../../src/local/doctor/check-data.ts";
import { diskVerdict } from "../../src/local/doctor/check-disk.ts";
import { checkModel } from "../../src/local/doctor/check-model.ts";
import { parseConfig } from "../../src/core/config.ts";
import { DEFAULT_MODEL } from "../../src/core/default-model.ts";
import { main } from "../../src/local/cli.ts";
import { Git } from "../../src/local/git.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic.ts";
import { repoRoot } from "../helpers/shared.ts";

const forkScript = readFileSync(path.join(repoRoot, "test", "data", "fork", "train_gpt.py"), "utf8");
const cleanups: string[] = [];
afterAll(async () => {
  for (const d of cleanups) await rm(d, { recursive: true, force: true });
});

/** A git repository holding `files` (committed) and `untracked` (written only), like a fork on disk. */
async function fork(files: Record<string, string>, untracked: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "caddie-doctor-"));
  cleanups.push(dir);
  const write = async (all: Record<string, string>) => {
    for (const [name, text] of Object.entries(all)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
  };
  await write(files);
  const git = new Git(dir);
  await git.run(["init", "-q", "-b", "main"]);
  await git.run(["add", "-A"]);
  await git.run(["commit", "-q", "-m", "fork"]);
  await write(untracked);
  return dir;
}

/** The fork's config: the project's Python runs the script (a CPU machine has no torchrun GPUs). */
const config = (extra = "") =>
  `tiers:\n  proxy:\n    command: ["\${PYTHON}", train_gpt.py]\nsearch_space:\n  MATRIX_LR: [0.03, 0.05]\n${extra}`;
const shards = {
  "data/datasets/fineweb10B_sp1024/fineweb_train_000000.bin": "x",
  "data/datasets/fineweb10B_sp1024/fineweb_val_000000.bin": "x",
  "data/tokenizers/fineweb_1024_bpe.model": "x",
};

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, ...env },
    signal: new AbortController().signal,
  });
  return { code, out: out.join(""), err: err.join("") };
}

async function doctor(repo: string, env: Record<string, string | undefined> = {}, extra: string[] = []) {
  const r = await cli(["doctor", "--repo", repo, "--json", ...extra], env);
  const report = JSON.parse(r.out) as { ok: boolean; checks: Check[] };
  const by = (name: string) => report.checks.filter((c) => c.name === name);
  return { ...r, report, by };
}

describe("caddie doctor on a fork", () => {
  it("passes a fork with its data in place, one line per check", async () => {
    const repo = await fork(
      { "train_gpt.py": forkScript, ".github/caddie.yml": config(), "data/README.md": "# data\n" },
      shards,
    );
    const r = await doctor(repo);
    expect(r.report.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.by("data")[0]?.detail).toBe(
      "DATA_PATH=./data/datasets/fineweb10B_sp1024: 1 train and 1 validation shards",
    );
    expect(r.by("tokenizer")[0]?.status).toBe("ok");
    expect(r.by("python")[0]?.status).toBe("ok");
    // No key: the sweep proposes, which is worth a warning and no failure.
    expect(r.by("api key")[0]?.status).toBe("warn");
    const text = await cli(["doctor", "--repo", repo]);
    expect(text.out).toMatch(/^ok {4}git {8}/m);
    expect(text.out).toMatch(/0 failed, \d+ warnings?, \d+ checks\n$/);
  });

  it("names the missing data and tokenizer of a fork without data, with the download command, and exits 1", async () => {
    const repo = await fork({
      "train_gpt.py": forkScript,
      ".github/caddie.yml": config(),
      "data/README.md": "# data\n",
    });
    const r = await doctor(repo);
    expect(r.code).toBe(1);
    expect(r.by("data")[0]).toMatchObject({
      status: "fail",
      detail: `DATA_PATH=./data/datasets/fineweb10B_sp1024: ${path.join(repo, "data/datasets/fineweb10B_sp1024")} does not exist`,
    });
    expect(r.by("data")[0]?.fix).toContain("python3 data/cached_challenge_fineweb.py --variant sp1024");
    expect(r.by("tokenizer")[0]?.status).toBe("fail");
  });

  it("refuses a script that is not a Parameter Golf script, and one whose imports are missing", async () => {
    const repo = await fork({
      "train_gpt.py": "import os\nimport no_such_module_anywhere\nprint('hello')\n",
      ".github/caddie.yml": "search_space: {LR: [1, 2]}\n",
    });
    const r = await doctor(repo);
    expect(r.code).toBe(1);
    expect(r.by("script")[0]).toMatchObject({ status: "fail" });
    expect(r.by("script")[0]?.detail).toContain("never prints val_bpb");
    expect(r.by("imports")[0]?.detail).toContain("cannot import no_such_module_anywhere");
    expect(r.by("search_space")[0]?.detail).toBe("LR is not a setting of train_gpt.py");
  });

  it("names a ${VARIABLE} nothing defines, such as the old demo's CADDIE_TRAIN_SECONDS", async () => {
    const repo = await fork({
      "train_gpt.py": forkScript,
      ".github/caddie.yml": `${config()}`.replace(
        "tiers:\n  proxy:\n",
        'tiers:\n  proxy:\n    env: {MAX_WALLCLOCK_SECONDS: "${CADDIE_TRAIN_SECONDS}"}\n',
      ),
    });
    const r = await doctor(repo);
    expect(r.by("variables")[0]).toMatchObject({ status: "fail" });
    expect(r.by("variables")[0]?.fix).toContain("settings live in the course");
  });

  it("fails outside a git repository, and checks the App's settings when asked", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "caddie-doctor-"));
    cleanups.push(dir);
    const r = await doctor(dir, {}, ["--app"]);
    expect(r.code).toBe(1);
    expect(r.by("git")[0]?.detail).toBe(`${dir} is not a git repository`);
    expect(r.by("APP_ID")[0]?.status).toBe("fail");
    expect(r.by("webhook secret")[0]?.status).toBe("fail");
  });
});

describe("data outside data.paths", () => {
  it("warns: a run folder holds the commit plus untracked files of data.paths only", async () => {
    const repo = await fork(
      { "train_gpt.py": forkScript },
      { "shards/fineweb_train_000000.bin": "x", "shards/fineweb_val_000000.bin": "x" },
    );
    const config = parseConfig({ tiers: { proxy: { env: { DATA_PATH: "./shards" } } } });
    const checks = await checkData(repo, forkScript, config, {});
    expect(checks.find((c) => c.name === "data")).toMatchObject({
      status: "warn",
      detail:
        "DATA_PATH=./shards is outside data.paths (data): runs see its files only if they are committed",
    });
  });
});

describe("caddie run checks first", () => {
  it("stops a fork without data before creating any branch, folder or file, naming the fix", async () => {
    const repo = await fork({ "train_gpt.py": forkScript, ".github/caddie.yml": config() });
    const r = await cli(["run", "--repo", repo, "--tag", "t", "--max-experiments", "1"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot start: 2 checks failed (nothing was created)");
    expect(r.err).toContain("cached_challenge_fineweb.py --variant sp1024");
    const git = new Git(repo);
    expect(await git.run(["branch", "--list", "autoresearch/*"])).toBe("");
    expect(existsSync(path.join(repo, ".caddie"))).toBe(false);
    expect(await git.run(["status", "--porcelain", "--ignored"])).toBe("");
  });
});

describe("the model on the Models API", () => {
  let fake: FakeAnthropic;
  const apiKey = ["key", String(process.pid), "doctor"].join("-");
  beforeAll(async () => {
    fake = await startFakeAnthropic({
      apiKey,
      models: [
        { id: DEFAULT_MODEL, display_name: "Claude Sonnet 5.5", created_at: "2026-09-01T00:00:00Z" },
        { id: "claude-old-4-5", lifecycle: "deprecated", retires_at: "2026-11-30T00:00:00Z" },
        { id: "claude-gone-3", lifecycle: "retired" },
      ],
    });
  });
  afterAll(() => fake.close());

  const check = (model: string, key = apiKey) =>
    checkModel(parseConfig({ agent: { model } }), { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: fake.url });

  it("passes the default model, and asks the Models API for it", async () => {
    expect(await check(DEFAULT_MODEL)).toEqual({
      name: "model",
      status: "ok",
      detail: `${DEFAULT_MODEL} (Claude Sonnet 5.5) is available`,
    });
    expect(fake.modelRequests.at(-1)).toBe(`/v1/models/${DEFAULT_MODEL}`);
  });

  it("fails a config naming a model the API does not know, and one that is retired; warns on a deprecated one", async () => {
    expect(await check("claude-nonexistent-9")).toMatchObject({
      status: "fail",
      detail: "the Anthropic API knows no model 'claude-nonexistent-9'",
      fix: `set agent.model in the config to a current model (caddie's default is ${DEFAULT_MODEL})`,
    });
    expect(await check("claude-gone-3")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("retired"),
    });
    expect(await check("claude-old-4-5")).toMatchObject({
      status: "warn",
      detail: "claude-old-4-5 is deprecated and retires on 2026-11-30",
    });
  });

  it("fails a key the API rejects", async () => {
    expect(await check(DEFAULT_MODEL, "wrong")).toMatchObject({ name: "api key", status: "fail" });
  });

  it("runs in caddie doctor when a key is set, with CADDIE_MODEL overriding the config", async () => {
    const repo = await fork({ "train_gpt.py": forkScript, ".github/caddie.yml": config() }, shards);
    const r = await doctor(repo, {
      ANTHROPIC_API_KEY: apiKey,
      ANTHROPIC_BASE_URL: fake.url,
      CADDIE_MODEL: "claude-nonexistent-9",
    });
    expect(r.code).toBe(1);
    expect(r.by("model")[0]?.detail).toBe("the Anthropic API knows no model 'claude-nonexistent-9'");
  });

  it("stops caddie run on a model the API does not know before any baseline trains", async () => {
    const repo = await fork({ "train_gpt.py": forkScript, ".github/caddie.yml": config() }, shards);
    const r = await cli(["run", "--repo", repo, "--tag", "t", "--max-experiments", "1"], {
      ANTHROPIC_API_KEY: apiKey,
      ANTHROPIC_BASE_URL: fake.url,
      CADDIE_MODEL: "claude-missing-1",
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("the Anthropic API knows no model 'claude-missing-1'");
    expect(r.err).toContain(`caddie's default is ${DEFAULT_MODEL}`);
    expect(await new Git(repo).run(["branch", "--list", "autoresearch/*"])).toBe("");
    expect(existsSync(path.join(repo, ".caddie"))).toBe(false);
  });

  it("lists models newest first with cursors, as the real API does", async () => {
    const page = await fetch(`${fake.url}/v1/models?limit=1`, {
      headers: { "x-api-key": apiKey, "anthropic-version": "2023-06-01" },
    }).then((r) => r.json() as Promise<{ data: { id: string }[]; has_more: boolean; last_id: string }>);
    expect(page).toMatchObject({ data: [{ id: DEFAULT_MODEL }], has_more: true, last_id: DEFAULT_MODEL });
  });
});

describe("disk space", () => {
  const MB = 1_000_000;
  it("fails when not even one run fits (a full disk), warns when fewer than asked fit", () => {
    expect(diskVerdict(50 * MB, 40 * MB, 10, "/x")).toMatchObject({
      status: "fail",
      fix: "free at least 190 MB on that disk",
    });
    expect(diskVerdict(400 * MB, 40 * MB, 10, "/x")).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("room for 5 of 10 runs"),
    });
    expect(diskVerdict(10_000 * MB, 40 * MB, 10, "/x").status).toBe("ok");
  });
});

describe("the App's settings", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  });
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  });
  const secret = ["s", "e", "c"].join("").repeat(8);

  it("accepts an App ID, an RSA key (inline with \\n escapes, or by path) and a long secret", async () => {
    const inline = checkApp({
      APP_ID: "123456",
      PRIVATE_KEY: String(rsa).replace(/\n/g, "\\n"),
      WEBHOOK_SECRET: secret,
    });
    expect(inline.map((c) => c.status)).toEqual(["ok", "ok", "ok"]);
    const dir = await mkdtemp(path.join(tmpdir(), "caddie-app-"));
    cleanups.push(dir);
    await writeFile(path.join(dir, "app.pem"), rsa);
    const byPath = checkApp({
      APP_ID: "1",
      PRIVATE_KEY_PATH: path.join(dir, "app.pem"),
      WEBHOOK_SECRET: secret,
    });
    expect(byPath.map((c) => c.status)).toEqual(["ok", "ok", "ok"]);
  });

  it("names what is missing or malformed", async () => {
    const checks = checkApp({ APP_ID: "my-app", PRIVATE_KEY: String(ec), WEBHOOK_SECRET: "short" });
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ["APP_ID", "fail"],
      ["private key", "fail"],
      ["webhook secret", "warn"],
    ]);
    expect(checks[1]?.detail).toBe("PRIVATE_KEY: it is an ec key, not RSA");
    const none = checkApp({ PRIVATE_KEY_PATH: "/nonexistent/key.pem", WEBHOOK_SECRET: "development" });
    expect(none[1]?.detail).toMatch(/^cannot read PRIVATE_KEY_PATH/);
    expect(none[2]).toMatchObject({ status: "fail", detail: expect.stringContaining("public default") });
  });
});
