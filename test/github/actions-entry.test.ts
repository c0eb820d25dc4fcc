import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInActions } from "../../src/github/actions-entry.ts";
import { Harness, testOctokit } from "../fakes/github/harness.ts";

describe("running inside GitHub Actions", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  it("turns a scheduled run into a tick, authenticated as the App", async () => {
    h = await Harness.start();
    const dir = mkdtempSync(path.join(tmpdir(), "caddie-actions-"));
    const event = path.join(dir, "event.json");
    writeFileSync(event, JSON.stringify({ schedule: "17 * * * *" }));
    const code = await runInActions({
      env: {
        GITHUB_EVENT_NAME: "schedule",
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: "octo-org/octo-repo",
        GITHUB_API_URL: h.fake.url,
        APP_ID: "123",
        PRIVATE_KEY: Harness.keys().privateKey,
        LOG_LEVEL: "fatal",
      },
      Octokit: testOctokit(false),
    });
    expect(code).toBe(0);
    expect(h.fake.ops()).toContain("apps/get-repo-installation");
    expect([...h.fake.state.pulls.values()].map((p) => p.title)).toEqual([
      "exp-000: baseline: the training script as it is",
    ]);
  });

  it("explains what is missing outside Actions", async () => {
    h = await Harness.start();
    expect(await runInActions({ env: {} })).toBe(2);
  });
});
