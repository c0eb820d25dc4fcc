import { afterEach, describe, expect, it } from "vitest";
import { newStateCache, StateBranch } from "../../src/github/state-branch.ts";
import { Harness } from "../fakes/github/harness.ts";

describe("the caddie/state branch", () => {
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).toEqual([]);
    await h.close();
  });

  it("starts as an orphan branch and skips writes that change nothing", async () => {
    h = await Harness.start();
    const gh = await h.client();
    const branch = new StateBranch(gh, { owner: "octo-org", repo: "octo-repo" }, newStateCache());
    const first = await branch.update(() => ({ "a.txt": "1\n" }), "first");
    expect(h.fake.state.commits.get(first.sha ?? "")?.parents).toEqual([]);
    const calls = h.fake.calls.length;
    const same = await branch.update(() => ({ "a.txt": "1\n" }), "again");
    expect(same.sha).toBe(first.sha);
    expect(h.fake.calls.length).toBe(calls);
  });

  it("compare-and-swaps the ref: concurrent writers from separate processes all land, none is lost", async () => {
    h = await Harness.start();
    const gh = await h.client();
    const repo = { owner: "octo-org", repo: "octo-repo" };
    await new StateBranch(gh, repo, newStateCache()).update(() => ({ "log.txt": "" }), "init");
    // Eight writers, each with its own cache (as if in eight processes), append a line at once.
    const writers = Array.from({ length: 8 }, () => new StateBranch(gh, repo, newStateCache()));
    await Promise.all(writers.map((w) => w.read()));
    await Promise.all(
      writers.map((w, i) =>
        w.update((files) => ({ "log.txt": `${files["log.txt"] ?? ""}line ${i}\n` }), `writer ${i}`),
      ),
    );
    const lines = (h.fake.state.file("caddie/state", "log.txt") ?? "").trim().split("\n").sort();
    expect(lines).toEqual(Array.from({ length: 8 }, (_, i) => `line ${i}`));
    expect(
      h.fake.calls.filter((c) => c.operationId === "git/update-ref" && c.status === 422).length,
    ).toBeGreaterThan(0);
    expect(
      h.fake.calls
        .filter((c) => c.operationId === "git/update-ref")
        .every((c) => (c.body as { force?: boolean }).force === false),
    ).toBe(true);
  });
});
