/**
 * The competitor sync as the CLI runs it: the reader over caddie's own Octokit (pagination, ETags,
 * throttling) against the fake GitHub, which checks every request against GitHub's OpenAPI description,
 * serves openai/parameter-golf to anonymous readers, answers 304 to a matching If-None-Match and counts
 * primary rate limits as GitHub does. (The App's Octokit reads through the same reader:
 * test/github/competitors.e2e.test.ts.)
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGitHubOctokit } from "../../src/research/github-octokit.ts";
import { githubReader, type EtagCache } from "../../src/research/github-reader.ts";
import { parseEtagCache } from "../../src/research/state-files.ts";
import { emptyCompetitorsFile, syncCompetitors } from "../../src/research/sync-competitors.ts";
import type { CompetitorsFile } from "../../src/research/types.ts";
import { FakeGitHub } from "../fakes/github/server.ts";
import type { RepoState } from "../fakes/github/state.ts";
import { addOtherPulls, addUpstream, addUpstreamPull, UPSTREAM } from "../fakes/github/upstream.ts";
import { recordSources, type RecordSource, type SampleRecordName } from "../helpers/sample-records.ts";
import { repoRoot } from "../helpers/shared.ts";
import { send, serve, type Served } from "./serve.ts";

const TRACK = "records/track_10min_16mb";
const TOP = "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611";

let fake: FakeGitHub | null = null;
let served: Served | null = null;
afterEach(async () => {
  await fake?.close();
  await served?.close();
  fake = null;
  served = null;
});

async function startFake(): Promise<{ fake: FakeGitHub; up: RepoState }> {
  fake = await new FakeGitHub({ appId: 1 }).start();
  return { fake, up: addUpstream(fake) };
}

/** A sync as `caddie competitors sync` runs one: a fresh reader over the cache kept between syncs. */
function sync(
  f: FakeGitHub,
  cache: EtagCache,
  previous: CompetitorsFile,
  options: { token?: string; maxPulls?: number } = {},
) {
  const github = githubReader(createGitHubOctokit({ baseUrl: f.url, token: options.token ?? null }), {
    cache,
  });
  const done = syncCompetitors({ github, repo: UPSTREAM, previous, now: "2026-05-01T00:00:00Z", ...options });
  return done.then((file) => ({ file, stats: github.stats }));
}

function folderFiles(
  source: RecordSource,
  record: SampleRecordName,
  dest: string,
  extra: string[] = [],
): Record<string, string> {
  const dir = path.join(source.dir, source.folder(record));
  const names = readdirSync(dir).filter((n) => n === "README.md" || /^submission.*\.json$/.test(n));
  const files: Record<string, string> = {};
  for (const n of names) files[`${dest}/${n}`] = readFileSync(path.join(dir, n), "utf8");
  for (const n of extra) files[`${dest}/${n}`] = `log of ${n}\n`;
  return files;
}

/** Six pull requests, newest-updated first: four records, a docs change, and a record with no score. */
function addRecords(up: RepoState, source: RecordSource) {
  const top = addUpstreamPull(up, {
    title: "Record: 11L XSA + LQER + SparseAttnGate — val_bpb 1.0611 (3-seed mean)",
    author: "top-author",
    // 100 ablation files sort before README.md: the record folder spans two pages of the file list.
    files: {
      ...Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [
          `${TRACK}/${TOP}/Ablation_${String(i).padStart(3, "0")}.txt`,
          "x",
        ]),
      ),
      ...folderFiles(source, "mean-of-seeds", `${TRACK}/${TOP}`, [
        "train_seed42.log",
        "train_seed0.log",
        "train_seed1234.log",
      ]),
    },
    merged: "2026-04-28T10:00:00Z",
    updated: "2026-04-28T10:00:00Z",
  });
  const ema = addUpstreamPull(up, {
    title: "Record: 11L EMA + TTT(20ep,freeze=0) — val_bpb=1.1213 (3-seed mean 1.1221)",
    author: "ema-author",
    files: folderFiles(source, "best-seed-and-mean", `${TRACK}/2026-03-21_11L_EMA_TTT20ep_1.1213`),
    merged: null,
    closed: true,
    updated: "2026-03-22T10:00:00Z",
  });
  const ternary = addUpstreamPull(up, {
    title: "Record: 1.1570 BPB — 73.7M Ternary U-Net",
    author: "ternary-author",
    files: folderFiles(source, "ternary-json", `${TRACK}/2026-03-24_74M_Ternary`),
    merged: "2026-03-25T12:00:00Z",
    updated: "2026-03-25T12:00:00Z",
  });
  const lora = addUpstreamPull(up, {
    title: "LoRA TTT",
    author: "lora-author",
    files: folderFiles(source, "runs-mean-in-readme", `${TRACK}/2026-03-17_LoRA_TTT`, ["train_v0.txt"]),
    merged: "2026-03-19T12:00:00Z",
    updated: "2026-03-19T12:00:00Z",
  });
  const docs = addUpstreamPull(up, {
    title: "Fix typo in README",
    author: "typo-author",
    files: { "README.md": "# hi" },
    merged: null,
    updated: "2026-03-18T12:00:00Z",
  });
  const mine = addUpstreamPull(up, {
    title: "Record: my run",
    author: "me",
    files: {
      [`${TRACK}/2026-03-18_Mine/README.md`]: "# My run\n\nIt trained.\n",
      [`${TRACK}/2026-03-18_Mine/submission.json`]: '{"author": "me", "val_bpb": ',
    },
    merged: null,
    updated: "2026-03-18T11:00:00Z",
  });
  return { top, ema, ternary, lora, docs, mine };
}

function listings(f: FakeGitHub, from = 0) {
  return f.calls
    .slice(from)
    .filter((c) => c.operationId === "pulls/list")
    .map((c) => c.status);
}

describe.each(recordSources)(
  "syncCompetitors through Octokit against the fake GitHub, on $name",
  (source) => {
    it("reads every record folder (file lists across pages), flags and ranks them, and skips the one without a score", async () => {
      const { fake: f, up } = await startFake();
      const pr = addRecords(up, source);
      const { file } = await sync(f, {}, emptyCompetitorsFile());

      expect(file.failures).toEqual([]);
      expect(file.competitors.map((c) => [c.pr_number, c.val_bpb, c.state, c.flags])).toEqual([
        [pr.top.number, 1.06107587, "merged", []],
        [pr.ema.number, 1.1221, "closed", ["missing_evidence", "unmerged"]],
        [pr.ternary.number, 1.157, "merged", ["missing_evidence"]],
        [pr.lora.number, 1.1928, "merged", []],
      ]);
      expect(file.sota?.pr_number).toBe(pr.top.number);
      expect(file.competitors[0]).toMatchObject({
        folder: `${TRACK}/${TOP}`,
        record_track: true,
        pr_author: "top-author",
        artifact_bytes: 15907550,
        seeds: 3,
        techniques: ["11L XSA", "LQER", "SparseAttnGate"],
      });
      expect(file.skipped).toEqual([
        {
          pr_number: pr.mine.number,
          folder: `${TRACK}/2026-03-18_Mine`,
          reason:
            "no score found: no readable submission file; README.md states no bpb score; no training log",
        },
      ]);
      expect(Object.keys(file.seen)).toHaveLength(6);
      // The top record's 106 files came in two pages, through the Link header.
      expect(
        f.calls.filter((c) => c.path === `/repos/${UPSTREAM}/pulls/${pr.top.number}/files`),
      ).toHaveLength(2);
      // A public repository, read without a token, every request as GitHub's description has it.
      expect(new Set(f.calls.map((c) => c.auth))).toEqual(new Set(["none"]));
      expect(f.violations).toEqual([]);
    });

    it("costs one conditional request when nothing changed, free with a token, and re-reads only the PR that moved", async () => {
      const { fake: f, up } = await startFake();
      const pr = addRecords(up, source);
      const cache: EtagCache = {};
      const first = await sync(f, cache, emptyCompetitorsFile());

      const quiet = await sync(f, cache, first.file);
      expect(quiet.stats).toMatchObject({ requests: 1, notModified: 1 });
      expect(quiet.file.competitors).toEqual(first.file.competitors);
      expect(f.calls.at(-1)).toMatchObject({ operationId: "pulls/list", status: 304 });
      // Without a token a 304 still counts against the hour's 60 requests; with one it is free.
      expect(quiet.stats.rateLimitRemaining).toBe((first.stats.rateLimitRemaining ?? 0) - 1);
      const token = f.issueToken(f.installationId);
      const warm = await sync(f, {}, emptyCompetitorsFile(), { token, maxPulls: 0 });
      const free = await sync(f, cache, first.file, { token });
      expect(free.stats).toMatchObject({ requests: 1, notModified: 1 });
      expect(free.stats.rateLimitRemaining).toBe(warm.stats.rateLimitRemaining);

      const ema = up.pulls.get(pr.ema.number);
      if (!ema) throw new Error("fixture changed");
      ema.updatedAt = "2026-04-30T00:00:00Z";
      ema.merged = true;
      ema.mergedAt = "2026-04-30T00:00:00Z";
      const mark = f.calls.length;
      const third = await sync(f, cache, quiet.file);
      const read = f.calls.slice(mark).filter((c) => c.operationId === "pulls/list-files");
      expect(read.map((c) => c.path)).toEqual([`/repos/${UPSTREAM}/pulls/${pr.ema.number}/files`]);
      expect(third.file.competitors.find((c) => c.pr_number === pr.ema.number)?.flags).toEqual([
        "missing_evidence",
      ]);
      expect(f.violations).toEqual([]);
    });

    it("after a sync that left pull requests for later, lists past the listing pages already done to reach them", async () => {
      const { fake: f, up } = await startFake();
      // 99 older pull requests: 105 in all, a second listing page, more requests than 60 an hour.
      addOtherPulls(up, 99, "2026-03-01T00:00:00Z");
      addRecords(up, source);
      const token = f.issueToken(f.installationId);
      const cache: EtagCache = {};
      const first = await sync(f, cache, emptyCompetitorsFile(), { token, maxPulls: 100 });
      expect(first.file.failures).toEqual(["5 pull requests left for the next sync"]);
      expect(listings(f)).toEqual([200, 200]);

      // Both pages are unchanged (304), yet the five oldest on page 2 must still be read.
      let mark = f.calls.length;
      const second = await sync(f, cache, first.file, { token });
      expect(second.file.failures).toEqual([]);
      expect(Object.keys(second.file.seen)).toHaveLength(105);
      expect(listings(f, mark)).toEqual([304, 304]);

      mark = f.calls.length;
      const quiet = await sync(f, cache, second.file, { token });
      expect(quiet.stats).toMatchObject({ requests: 1, notModified: 1 });
      expect(listings(f, mark)).toEqual([304]);
      expect(f.violations).toEqual([]);
    });

    it("stops when the hour's rate limit is spent, keeps what it read, says when it resets, and finishes after", async () => {
      const { fake: f, up } = await startFake();
      const pr = addRecords(up, source);
      // The listing, then the top record: two file pages and its README and submission blobs.
      f.rateLimits.anonymous = 5;
      const first = await sync(f, {}, emptyCompetitorsFile());
      expect(first.file.competitors.map((c) => c.pr_number)).toEqual([pr.top.number]);
      expect(first.file.failures).toHaveLength(1);
      expect(first.file.failures[0]).toMatch(
        new RegExp(
          `^PR #${pr.ternary.number}: GitHub rate limit exhausted; it resets at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(set GITHUB_TOKEN for 5000/hour\\)$`,
        ),
      );
      expect(Object.keys(first.file.seen)).toEqual([String(pr.top.number)]);
      expect(first.stats.rateLimitRemaining).toBe(0);

      f.resetRateLimits();
      f.rateLimits.anonymous = 60;
      const second = await sync(f, {}, first.file);
      expect(second.file.failures).toEqual([]);
      expect(second.file.competitors).toHaveLength(4);
      expect(f.violations).toEqual([]);
    });

    it("waits out one secondary rate limit and tries again; a second one ends the sync with GitHub's words", async () => {
      const { fake: f, up } = await startFake();
      addRecords(up, source);
      f.fail({ operationId: "pulls/list", kind: "secondary-rate-limit", times: 1 });
      const once = await sync(f, {}, emptyCompetitorsFile());
      expect(once.file.failures).toEqual([]);
      expect(listings(f)).toEqual([403, 200]);

      f.fail({ operationId: "pulls/list", kind: "secondary-rate-limit", times: 2 });
      const mark = f.calls.length;
      const twice = await sync(f, {}, emptyCompetitorsFile());
      expect(listings(f, mark)).toEqual([403, 403]);
      expect(twice.file.failures).toEqual([
        `listing pull requests: GET /repos/${UPSTREAM}/pulls?state=all&sort=updated&direction=desc&per_page=100: HTTP 403 You have exceeded a secondary rate limit. Please wait a few minutes.`,
      ]);
    });
  },
);

describe("syncCompetitors on record folders this repository holds (test/data/records)", () => {
  const local = (rel: string, name: string) =>
    readFileSync(path.join(repoRoot, "test", "data", "records", rel, name), "utf8");

  it("reads the training logs of a folder whose README states no score, and the track from its path", async () => {
    const { fake: f, up } = await startFake();
    const logOnly = addUpstreamPull(up, {
      title: "Record: log only",
      author: "a",
      files: Object.fromEntries(
        ["train_seed42.log", "train_seed7.log"].map((n) => [
          `${TRACK}/2026-01-04_LogOnly/${n}`,
          local("track_10min_16mb/2026-01-04_LogOnly", n),
        ]),
      ),
      merged: "2026-01-04T12:00:00Z",
      updated: "2026-01-04T12:00:00Z",
    });
    const seedTable = addUpstreamPull(up, {
      title: "Record: seed table",
      author: "b",
      files: {
        [`${TRACK}/2026-01-02_SeedTableOnly/README.md`]: local(
          "track_10min_16mb/2026-01-02_SeedTableOnly",
          "README.md",
        ),
        [`${TRACK}/2026-01-02_SeedTableOnly/train_seed42.log`]: "not read\n",
      },
      merged: "2026-01-02T12:00:00Z",
      updated: "2026-01-02T12:00:00Z",
    });
    const { file } = await sync(f, {}, emptyCompetitorsFile());
    expect(file.skipped).toEqual([]);
    expect(file.competitors.map((c) => [c.pr_number, c.track, c.seeds, c.source])).toEqual([
      [seedTable.number, "10min_16mb", 3, "README.md per-seed results (mean of 3)"],
      [logOnly.number, "10min_16mb", 2, "training logs (log parser, mean of 2)"],
    ]);
    // The README already states the score: its log is never downloaded.
    expect(f.calls.filter((c) => c.operationId === "git/get-blob")).toHaveLength(3);
    expect(f.violations).toEqual([]);
  });
});

describe("githubReader", () => {
  it("reads a damaged ETag cache, or an entry of another shape, as absent (it only costs full requests)", () => {
    const page = { etag: 'W/"1"', items: [1], link: null };
    expect(parseEtagCache("{")).toEqual({});
    expect(parseEtagCache("[]")).toEqual({});
    expect(
      parseEtagCache(JSON.stringify({ a: page, b: { etag: 'W/"2"', items: [], next: null }, c: 3 })),
    ).toEqual({
      a: page,
    });
  });

  it("never follows a Link header to another host (the token stays with GitHub)", async () => {
    served = await serve((_req, res) =>
      send(res, 200, "[1]", { link: '<https://evil.example/steal?page=2>; rel="next"' }),
    );
    const github = githubReader(createGitHubOctokit({ baseUrl: served.url, token: "secret" }), { cache: {} });
    await expect(github.list("/repos/a/b/pulls", (b) => b as number[])).rejects.toThrow(
      "refusing to follow a link outside",
    );
    expect(served.requests).toHaveLength(1);
  });

  it("says which request failed and how when GitHub cannot be reached", async () => {
    served = await serve(() => undefined);
    const url = served.url;
    await served.close();
    served = null;
    const github = githubReader(createGitHubOctokit({ baseUrl: url }), { cache: {} });
    await expect(github.get("/repos/a/b/git/blobs/1")).rejects.toThrow(/^GET \/repos\/a\/b\/git\/blobs\/1: /);
  });
});
