/**
 * `caddie doctor --app`'s repository checks against the fake GitHub: what the API shows of the safe set-up
 * (docs/SECURITY.md), each failure with its fix, and a setting the token cannot read never reported as fine.
 */
import { afterEach, describe, expect, it } from "vitest";
import { checkRepoSecurity } from "../../src/github/check-repo-security.ts";
import { Harness } from "../fakes/github/harness.ts";

describe("the repository's security settings, through the API", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  const run = async () => {
    const checks = await checkRepoSecurity(await h.client(), {
      owner: h.fake.state.owner,
      repo: h.fake.state.name,
    });
    return Object.fromEntries(checks.map((c) => [c.name, c.status]));
  };

  it("passes the safe set-up: private, approval for all outside collaborators, read-only token, reviewers on caddie-modal", async () => {
    h = await Harness.start({ config: null });
    Object.assign(h.fake.state.settings, {
      private: true,
      approvalPolicy: "all_external_contributors",
      workflowPermissions: "read",
    });
    h.fake.state.settings.environments.set("caddie-modal", { reviewers: true });
    expect(await run()).toEqual({
      "runner exposure": "ok",
      "outside collaborators": "ok",
      "workflow token": "ok",
      "caddie-modal reviewers": "ok",
    });
  });

  it("fails a public repository with its own runners and first-time-only approval, and warns on what it cannot read", async () => {
    h = await Harness.start({ config: null });
    Object.assign(h.fake.state.settings, {
      private: false,
      runners: 1,
      approvalPolicy: "first_time_contributors",
      workflowPermissions: "write",
    });
    h.fake.state.settings.environments.set("caddie-modal", { reviewers: false });
    expect(await run()).toEqual({
      "runner exposure": "fail",
      "outside collaborators": "fail",
      "workflow token": "fail",
      "caddie-modal reviewers": "warn",
    });
    // A setting this token may not read is a warning, never a pass.
    h.fake.state.settings.approvalPolicy = null;
    expect((await run())["outside collaborators"]).toBe("warn");
  });
});
