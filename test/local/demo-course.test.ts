import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { courseVariables, unknownVariables } from "../../src/local/caddie-paths.ts";
import { createDemoCourse } from "../../src/local/demo-course.ts";
import { Git } from "../../src/local/git.ts";
import { loadConfig } from "../../src/local/load-config.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the demo course", () => {
  it("keeps its step budget in its committed config, whatever the environment says later", async () => {
    const repo = await createDemoCourse(undefined, { steps: 70 });
    dirs.push(repo);
    const { config } = await loadConfig(repo);
    expect(config.tiers.proxy.env.ITERATIONS).toBe("70");
    // No wall-clock cap: it would time the warm-down by the clock; the timeout is the safety net.
    expect(config.tiers.proxy.env.MAX_WALLCLOCK_SECONDS).toBe("0");
    const committed = await new Git(repo).run(["show", "HEAD:.github/caddie.yml"]);
    expect(committed).toContain('ITERATIONS: "70"');
    // The comments of the course template survive the rewrite.
    expect(committed).toContain("# Steps of training per run: a step budget");
    // Only where caddie's files are comes from outside the course: no setting is a variable.
    const values = [...config.tiers.proxy.command, ...Object.values(config.tiers.proxy.env)];
    expect(unknownVariables(values, courseVariables({ CADDIE_TRAIN_SECONDS: "60" }))).toEqual([]);
    expect(values.join(" ")).not.toContain("CADDIE_TRAIN_SECONDS");
  });

  it("names the variables a config uses that nothing defines", () => {
    expect(
      unknownVariables(["${PYTHON}", "${CADDIE_TRAIN_SECONDS}s", "${A}${A}"], { PYTHON: "python3" }),
    ).toEqual(["CADDIE_TRAIN_SECONDS", "A"]);
  });
});
