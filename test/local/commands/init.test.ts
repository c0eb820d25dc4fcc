import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { initCommand, initFiles } from "../../../src/local/commands/init.ts";
import { configFromText } from "../../../src/github/load-repo-config.ts";

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      cwd,
      env: {},
      signal: new AbortController().signal,
    },
  };
}

describe("caddie init", () => {
  it("writes a valid config, the research brief and the caller workflows", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "caddie-init-"));
    const t = io(dir);
    expect(await initCommand.run([], t.io)).toBe(0);
    const config = configFromText(readFileSync(path.join(dir, ".github/caddie.yml"), "utf8"));
    expect("config" in config ? config.config.researchLine : config.error).toBe("autoresearch/main");
    expect(readFileSync(path.join(dir, "program.md"), "utf8")).toContain("# Research program");
    const experiment = parse(
      readFileSync(path.join(dir, ".github/workflows/caddie-experiment.yml"), "utf8"),
    ) as Record<string, Record<string, Record<string, unknown>>>;
    expect(experiment.permissions).toEqual({ contents: "read" });
    expect(experiment.jobs?.experiment?.uses).toBe("caddie-golf/caddie/.github/workflows/experiment.yml@v1");
    expect(experiment.jobs?.experiment?.secrets).toBeUndefined();
    const tick = parse(readFileSync(path.join(dir, ".github/workflows/caddie-tick.yml"), "utf8")) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    expect(tick.jobs?.tick?.uses).toBe("caddie-golf/caddie/.github/workflows/tick.yml@v1");
    const promote = parse(
      readFileSync(path.join(dir, ".github/workflows/caddie-promote.yml"), "utf8"),
    ) as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys((promote.on?.workflow_dispatch as { inputs: object }).inputs)).toEqual([
      "pr",
      "sha",
      "seeds",
    ]);
    expect(t.out.join("")).toContain("wrote .github/caddie.yml");
  });

  it("refuses to overwrite without --force, and overwrites with it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "caddie-init-"));
    mkdirSync(path.join(dir, ".github"), { recursive: true });
    writeFileSync(path.join(dir, ".github/caddie.yml"), "mine: true\n");
    const t = io(dir);
    expect(await initCommand.run(["--dir", "."], t.io)).toBe(1);
    expect(t.err.join("")).toContain("refusing to overwrite .github/caddie.yml");
    expect(readFileSync(path.join(dir, ".github/caddie.yml"), "utf8")).toBe("mine: true\n");
    expect(await initCommand.run(["--force"], io(dir).io)).toBe(0);
    expect(readFileSync(path.join(dir, ".github/caddie.yml"), "utf8")).toBe(
      initFiles()[".github/caddie.yml"],
    );
  });

  it("rejects unknown flags with the usage", async () => {
    const t = io(mkdtempSync(path.join(tmpdir(), "caddie-init-")));
    expect(await initCommand.run(["--bogus"], t.io)).toBe(2);
    expect(t.err.join("")).toContain("usage: caddie init");
  });
});
