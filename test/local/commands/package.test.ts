import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandIO } from "../../../src/local/commands/command.ts";
import { packageCommand } from "../../../src/local/commands/package.ts";
import { UserError } from "../../../src/core/user-error.ts";
import { logSources } from "../../helpers/sample-logs.ts";

function io(cwd: string): CommandIO & { out: string[] } {
  const out: string[] = [];
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    cwd,
    env: {},
    signal: new AbortController().signal,
    out,
  };
}

describe.each(logSources)("caddie package on $name", (source) => {
  it("takes several logs after one --logs and reports what it wrote", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "caddie-package-cmd-"));
    const base = await readFile(source.path("full-baseline"), "utf8");
    for (const seed of [1, 2]) {
      await writeFile(
        path.join(cwd, `s${seed}.log`),
        base
          .replace(/^seed:1337$/m, `seed:${seed}`)
          .replace("val_bpb:1.22436570", `val_bpb:1.2${seed}000000`),
      );
    }
    await writeFile(path.join(cwd, "train_gpt.py"), "#".repeat(47_642));
    const cli = io(cwd);
    const code = await packageCommand.run(
      [
        "--name",
        "Baseline",
        "--author",
        "A",
        "--github-id",
        "a",
        "--code",
        "train_gpt.py",
        "--date",
        "2026-05-03",
        "--logs",
        "s1.log",
        "s2.log",
      ],
      cli,
    );
    expect(code).toBe(0);
    expect(cli.out.join("")).toBe(
      [
        "wrote records/track_10min_16mb/2026-05-03_Baseline/",
        "  README.md",
        "  submission.json",
        "  train_gpt.py",
        "  train_seed1.log",
        "  train_seed2.log",
        "val_bpb 1.215 (2-seed mean)",
        "",
      ].join("\n"),
    );
  });
});

describe("caddie package arguments", () => {
  it("names the missing flag", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "caddie-package-cmd-"));
    await expect(packageCommand.run(["--logs", "a.log"], io(cwd))).rejects.toThrow(
      "--name is required (the submission's title)",
    );
    await expect(packageCommand.run(["--name", "x"], io(cwd))).rejects.toThrow(
      /--logs LOG\.\.\. is required/,
    );
    await expect(
      packageCommand.run(["--name", "x", "--logs", "a", "--track", "fast"], io(cwd)),
    ).rejects.toThrow(UserError);
    await expect(packageCommand.run(["--bogus"], io(cwd))).rejects.toThrow(/Unknown option '--bogus'/);
  });
});
