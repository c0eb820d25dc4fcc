import { afterEach, describe, expect, it } from "vitest";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GitForge } from "../../src/local/git-forge.ts";
import { UserError } from "../../src/core/user-error.ts";
import { tempRepo } from "../helpers/temp-repo.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup() {
  const repo = await tempRepo({ "train_gpt.py": "LR = 1\nDIM = 2\nLAYERS = 3\n", "README.md": "hi\n" });
  cleanups.push(repo.cleanup);
  const forge = await GitForge.open(repo.dir, "t1");
  return { ...repo, forge };
}

describe("GitForge", () => {
  it("starts the research line at HEAD and commits experiments without touching the work tree", async () => {
    const { forge, git, dir } = await setup();
    const head = await forge.lineHead();
    expect(head).toBe(await git.run(["rev-parse", "HEAD"]));
    const commit = await forge.createExperiment({
      id: "exp-001",
      base: head,
      edits: [{ path: "train_gpt.py", content: "LR = 9\nDIM = 2\nLAYERS = 3\n" }],
      message: "exp-001: lr",
    });
    expect(await forge.readFile(commit, "train_gpt.py")).toBe("LR = 9\nDIM = 2\nLAYERS = 3\n");
    expect(await forge.readFile(commit, "README.md")).toBe("hi\n");
    expect(await git.run(["rev-parse", "refs/heads/caddie/t1/exp-001"])).toBe(commit);
    expect(await readFile(path.join(dir, "train_gpt.py"), "utf8")).toBe("LR = 1\nDIM = 2\nLAYERS = 3\n");
    expect(await git.run(["status", "--porcelain"])).toBe("");
  });

  it("keep fast-forwards the line; discard keeps the commit under refs/caddie/discarded", async () => {
    const { forge, git } = await setup();
    const base = await forge.lineHead();
    const a = await forge.createExperiment({
      id: "exp-001",
      base,
      edits: [{ path: "train_gpt.py", content: "a\n" }],
      message: "a",
    });
    await forge.keep({ id: "exp-001", commit: a });
    expect(await forge.lineHead()).toBe(a);
    const b = await forge.createExperiment({
      id: "exp-002",
      base: a,
      edits: [{ path: "train_gpt.py", content: "b\n" }],
      message: "b",
    });
    await forge.discard({ id: "exp-002", commit: b });
    expect(await forge.lineHead()).toBe(a);
    expect(await git.run(["rev-parse", "refs/caddie/discarded/t1/exp-002"])).toBe(b);
    expect(
      (await git.try(["rev-parse", "--verify", "--quiet", "refs/heads/caddie/t1/exp-002"])).code,
    ).not.toBe(0);
    expect(await git.run(["diff", `${a}`, `${b}`, "--stat"])).toContain("train_gpt.py");
  });

  it("refuses to keep a commit not based on the line head", async () => {
    const { forge } = await setup();
    const base = await forge.lineHead();
    const a = await forge.createExperiment({
      id: "exp-001",
      base,
      edits: [{ path: "train_gpt.py", content: "a\n" }],
      message: "a",
    });
    const b = await forge.createExperiment({
      id: "exp-002",
      base,
      edits: [{ path: "train_gpt.py", content: "b\n" }],
      message: "b",
    });
    await forge.keep({ id: "exp-001", commit: a });
    await expect(forge.keep({ id: "exp-002", commit: b })).rejects.toThrow(/not based on the line head/);
  });

  it("rebases a prepared change onto a new head when it still applies, and reports when it does not", async () => {
    const { forge } = await setup();
    const base = await forge.lineHead();
    const kept = await forge.createExperiment({
      id: "exp-001",
      base,
      edits: [{ path: "train_gpt.py", content: "LR = 5\nDIM = 2\nLAYERS = 3\n" }],
      message: "lr",
    });
    const prepared = await forge.createExperiment({
      id: "exp-002",
      base,
      edits: [{ path: "train_gpt.py", content: "LR = 1\nDIM = 2\nLAYERS = 7\n" }],
      message: "layers",
    });
    await forge.keep({ id: "exp-001", commit: kept });
    const rebased = await forge.rebaseExperiment({
      id: "exp-002",
      commit: prepared,
      onto: kept,
      message: "layers",
    });
    expect(rebased).not.toBeNull();
    expect(await forge.readFile(rebased ?? "", "train_gpt.py")).toBe("LR = 5\nDIM = 2\nLAYERS = 7\n");
    // The same line changed on both sides: a conflict.
    const clash = await forge.createExperiment({
      id: "exp-003",
      base,
      edits: [{ path: "train_gpt.py", content: "LR = 8\nDIM = 2\nLAYERS = 3\n" }],
      message: "lr again",
    });
    expect(
      await forge.rebaseExperiment({ id: "exp-003", commit: clash, onto: kept, message: "x" }),
    ).toBeNull();
  });

  it("backtracks the line to a known-good commit and keeps the abandoned head inspectable", async () => {
    const { forge, git } = await setup();
    const base = await forge.lineHead();
    const a = await forge.createExperiment({
      id: "exp-001",
      base,
      edits: [{ path: "train_gpt.py", content: "a\n" }],
      message: "a",
    });
    await forge.keep({ id: "exp-001", commit: a });
    await forge.backtrack({ toCommit: base });
    expect(await forge.lineHead()).toBe(base);
    expect(await git.run(["for-each-ref", "--format=%(objectname)", "refs/caddie/backtracked/"])).toBe(a);
  });

  it("exports a commit's files into a folder", async () => {
    const { forge } = await setup();
    const out = await mkdtemp(path.join(tmpdir(), "caddie-export-test-"));
    cleanups.push(() => rm(out, { recursive: true, force: true }));
    await forge.exportTree(await forge.lineHead(), out);
    expect(await readFile(path.join(out, "README.md"), "utf8")).toBe("hi\n");
  });

  it("gives one clear error for a folder that is not a git repository, a bad tag, or a checked-out line", async () => {
    const plain = await mkdtemp(path.join(tmpdir(), "caddie-plain-"));
    cleanups.push(() => rm(plain, { recursive: true, force: true }));
    await expect(GitForge.open(plain, "t1")).rejects.toThrow(/not a git repository/);
    const { dir, git } = await setup();
    await expect(GitForge.open(dir, "bad tag")).rejects.toThrow(UserError);
    await git.run(["checkout", "-q", "autoresearch/t1"]);
    await expect(GitForge.open(dir, "t1")).rejects.toThrow(/is checked out/);
  });
});
