import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandIO } from "../../../src/local/commands/command.ts";
import { competitorsCommand } from "../../../src/local/commands/competitors.ts";
import { researchCommand } from "../../../src/local/commands/research.ts";
import { UserError } from "../../../src/core/user-error.ts";
import { recordSources } from "../../helpers/sample-records.ts";
import { FakeGitHub } from "../../fakes/github/server.ts";
import { addUpstream, addUpstreamPull } from "../../fakes/github/upstream.ts";
import { closedPort, send, serve, type Served } from "../../research/serve.ts";

function io(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    cwd,
    env,
    signal: new AbortController().signal,
  };
  return { io: value, out: () => out.join(""), err: () => err.join("") };
}

let served: Served | null = null;
let fake: FakeGitHub | null = null;
let tmp: string | null = null;
afterEach(async () => {
  await served?.close();
  await fake?.close();
  fake = null;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  served = null;
  tmp = null;
});

describe.each(recordSources)("caddie competitors parse, on $name", (source) => {
  it("prints one JSON object for a record folder", async () => {
    const t = io(source.dir);
    const code = await competitorsCommand.run(["parse", source.folder("best-seed-and-mean"), "--json"], t.io);
    expect(code).toBe(0);
    const record = JSON.parse(t.out()) as Record<string, unknown>;
    expect(record).toMatchObject({
      val_bpb: 1.1221,
      artifact_bytes: 15532949,
      seeds: 3,
      flags: ["missing_evidence"],
      source: "submission.json val_bpb_mean (= mean of 3 seeds)",
    });
  });

  it("fails with a reason for a folder without a score", async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "caddie-parse-"));
    const t = io(tmp);
    await expect(competitorsCommand.run(["parse", "."], t.io)).rejects.toThrow(UserError);
    await expect(competitorsCommand.run(["parse", "."], t.io)).rejects.toThrow(
      /no score found: no submission file; no README\.md/,
    );
  });
});

describe("caddie competitors sync and research sync", () => {
  it("writes competitors.json and the ETag cache to the state folder; the next sync costs one 304", async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "caddie-sync-"));
    fake = await new FakeGitHub({ appId: 1 }).start();
    const up = addUpstream(fake);
    const docs = addUpstreamPull(up, {
      title: "Docs",
      author: "x",
      files: { "README.md": "# Parameter Golf, fixed\n" },
      merged: null,
      updated: "2026-03-01T00:00:00Z",
    });
    const args = ["sync", "--state-dir", "state", "--api-url", fake.url, "--json"];
    const t = io(tmp);
    expect(await competitorsCommand.run(args, t.io)).toBe(0);
    expect(JSON.parse(t.out())).toMatchObject({
      competitors: 0,
      skipped: 0,
      sota: null,
      requests: 2,
      not_modified: 0,
      rate_limit_remaining: 58,
      failures: [],
    });
    const file = JSON.parse(await readFile(path.join(tmp, "state", "competitors.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(file).toMatchObject({ version: 1, seen: { [String(docs.number)]: "2026-03-01T00:00:00Z" } });
    expect((await readdir(path.join(tmp, "state"))).sort()).toEqual([
      "competitors.json",
      "github-cache.json",
    ]);

    // GITHUB_TOKEN is the reader's credential: the 304 is free, the listing comes from the cache.
    const again = io(tmp, { GITHUB_TOKEN: fake.issueToken(fake.installationId) });
    expect(await competitorsCommand.run(args, again.io)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({
      requests: 1,
      not_modified: 1,
      rate_limit_remaining: 5000,
    });
    expect(fake.calls.map((c) => [c.operationId, c.status, c.auth])).toEqual([
      ["pulls/list", 200, "none"],
      ["pulls/list-files", 200, "none"],
      ["pulls/list", 304, "token"],
    ]);
    expect(fake.violations).toEqual([]);
  });

  it("exits 1 and says why when GitHub fails, or cannot be reached", async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "caddie-sync-"));
    fake = await new FakeGitHub({ appId: 1 }).start();
    addUpstream(fake);
    fake.fail({ operationId: "pulls/list", kind: "500", times: 1 });
    const t = io(tmp);
    expect(await competitorsCommand.run(["sync", "--state-dir", "s", "--api-url", fake.url], t.io)).toBe(1);
    expect(t.err()).toContain(
      "warning: listing pull requests: GET /repos/openai/parameter-golf/pulls?state=all&sort=updated&direction=desc&per_page=100: HTTP 500 Server Error",
    );
    const down = io(tmp);
    expect(
      await competitorsCommand.run(["sync", "--state-dir", "s", "--api-url", await closedPort()], down.io),
    ).toBe(1);
    expect(down.err()).toMatch(
      /warning: listing pull requests: GET \/repos\/openai\/parameter-golf\/pulls\?\S+: \S/,
    );
  });

  it("caches research items, reports a hanging feed, and de-duplicates on the next run", async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "caddie-research-"));
    served = await serve((req, res) => {
      if (req.path.startsWith("/api/query"))
        return send(
          res,
          200,
          `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2601.1v1</id><title>Low-bit quantization of small language models</title><summary>s</summary></entry></feed>`,
        );
      // /slow.rss never answers
    });
    const args = [
      "sync",
      "--state-dir",
      "st",
      "--sources",
      "arxiv,feeds",
      "--arxiv-url",
      served.url,
      "--feed",
      `${served.url}/slow.rss`,
      "--timeout-ms",
      "300",
    ];
    const first = io(tmp, { ANTHROPIC_API_KEY: "" });
    expect(await researchCommand.run(args, first.io)).toBe(0);
    expect(first.out()).toContain(
      "1 new, 0 duplicates, 0 below the relevance threshold; graded 0 (grading off: set ANTHROPIC_API_KEY)",
    );
    expect(first.err()).toMatch(
      /warning: source feed:127\.0\.0\.1:\d+ failed after \d+ ms: timed out after 300 ms/,
    );
    const lines = (await readFile(path.join(tmp, "st", "research.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(["arxiv:2601.1"]);

    const second = io(tmp);
    expect(await researchCommand.run([...args, "--json"], second.io)).toBe(0);
    expect(JSON.parse(second.out())).toMatchObject({ fetched: 1, added: 0, duplicates: 1, cached: 1 });

    const show = io(tmp);
    expect(await researchCommand.run(["show", "--state-dir", "st"], show.io)).toBe(0);
    expect(show.out()).toContain(
      "### [ungraded, relevance 0.90] Low-bit quantization of small language models",
    );
  });

  it("rejects an unknown source name", async () => {
    await expect(researchCommand.run(["sync", "--sources", "arxiv,twitter"], io("/").io)).rejects.toThrow(
      "unknown source 'twitter' in --sources (known: arxiv, semantic_scholar, openreview, github, feeds)",
    );
  });
});
