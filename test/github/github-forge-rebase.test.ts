/**
 * Every code path that writes files checks the allow-list: re-applying an experiment onto a moved research
 * line carries only allow-listed paths (a commit that touches anything else is refused, not carried).
 */
import { afterEach, describe, expect, it } from "vitest";
import { GitHubForge } from "../../src/github/github-forge.ts";
import { Harness } from "../fakes/github/harness.ts";

describe("GitHubForge.rebaseExperiment", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  it("carries an allow-listed change onto the new base, and refuses one that touches anything else", async () => {
    h = await Harness.start({ config: null });
    const state = h.fake.state;
    const base = state.refs.get("heads/main") ?? "";
    state.refs.set("heads/autoresearch/main", base);
    const gh = await h.client();
    const forge = new GitHubForge(
      gh,
      { owner: state.owner, repo: state.name },
      {
        researchLine: "autoresearch/main",
        allow: ["train_gpt.py"],
        defaultBranch: "main",
      },
    );
    // The line moves on (another file), so the experiment must be re-applied.
    const moved = state.commitFiles("autoresearch/main", { "README.md": "moved\n" });
    state.refs.set("heads/caddie/exp-001", base);
    const good = state.commitFiles("caddie/exp-001", { "train_gpt.py": "print('better')\n" });
    const rebased = await forge.rebaseExperiment({ id: "exp-001", commit: good, onto: moved, message: "x" });
    expect(rebased).not.toBeNull();
    expect(state.file(rebased ?? "", "train_gpt.py")).toBe("print('better')\n");

    // A commit that also changes a workflow (made outside the forge) is not carried over.
    state.refs.set("heads/caddie/exp-002", base);
    const bad = state.commitFiles("caddie/exp-002", {
      "train_gpt.py": "print('x')\n",
      ".github/workflows/evil.yml": "on: push\n",
    });
    await expect(
      forge.rebaseExperiment({ id: "exp-002", commit: bad, onto: moved, message: "x" }),
    ).rejects.toThrow(/never changes \.github/);
  });
});
