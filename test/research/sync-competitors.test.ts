import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createGitHubClient, type EtagCache } from "../../src/research/github-client.ts";
import { emptyCompetitorsFile, syncCompetitors } from "../../src/research/sync-competitors.ts";
import { recordSources, type RecordSource, type SampleRecordName } from "../helpers/sample-records.ts";
import { repoRoot } from "../helpers/shared.ts";
import { send, serve, type Served } from "./serve.ts";

const REPO = "openai/parameter-golf";
const TRACK = "records/track_10min_16mb";

interface FakeFile {
  filename: string;
  text: string;
  status?: string;
}

/** A fake GitHub holding a few record folders as pull requests. */
function fakeGitHub(
  pulls: {
    number: number;
    title: string;
    state: string;
    merged_at: string | null;
    updated_at: string;
    files: FakeFile[];
  }[],
) {
  const blobs = new Map<string, string>();
  const sha = (text: string) => createHash("sha1").update(text).digest("hex");
  for (const p of pulls) for (const f of p.files) blobs.set(sha(f.text), f.text);
  const state = { rateLimited: new Set<number>() };
  const route = (base: () => string) =>
    ((req, res) => {
      const url = new URL(req.path, base());
      const listPath = `/repos/${REPO}/pulls`;
      if (url.pathname === listPath) {
        const pageNo = Number(url.searchParams.get("page") ?? "1");
        const page = pulls.slice((pageNo - 1) * 3, pageNo * 3);
        const body = page.map((p) => ({
          number: p.number,
          title: p.title,
          state: p.state,
          merged_at: p.merged_at,
          updated_at: p.updated_at,
          user: { login: `author${p.number}` },
          head: { sha: "0".repeat(40) },
        }));
        const etag = `"${sha(JSON.stringify(body))}"`;
        const last = Math.ceil(pulls.length / 3);
        const link =
          pageNo < last
            ? `<${base()}${listPath}?state=all&sort=updated&direction=desc&per_page=100&page=${pageNo + 1}>; rel="next", <${base()}${listPath}?page=${last}>; rel="last"`
            : "";
        if (req.headers["if-none-match"] === etag)
          return send(res, 304, "", { etag, ...(link ? { link } : {}) });
        return send(res, 200, JSON.stringify(body), {
          etag,
          "x-ratelimit-remaining": "4999",
          ...(link ? { link } : {}),
        });
      }
      const files = /^\/repos\/openai\/parameter-golf\/pulls\/(\d+)\/files$/.exec(url.pathname);
      if (files) {
        const n = Number(files[1]);
        if (state.rateLimited.has(n))
          return send(res, 403, '{"message":"API rate limit exceeded"}', {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "1767225600",
          });
        const pull = pulls.find((p) => p.number === n);
        const all = (pull?.files ?? []).map((f) => ({
          filename: f.filename,
          status: f.status ?? "added",
          sha: sha(f.text),
        }));
        // Two files per page, so a record folder spans pages.
        const pageNo = Number(url.searchParams.get("page") ?? "1");
        const page = all.slice((pageNo - 1) * 2, pageNo * 2);
        const link =
          pageNo * 2 < all.length
            ? `<${base()}${url.pathname}?per_page=100&page=${pageNo + 1}>; rel="next"`
            : "";
        return send(res, 200, JSON.stringify(page), link ? { link } : {});
      }
      const blob = /^\/repos\/openai\/parameter-golf\/git\/blobs\/([0-9a-f]{40})$/.exec(url.pathname);
      if (blob) {
        const text = blobs.get(blob[1] ?? "");
        if (text === undefined) return send(res, 404, '{"message":"Not Found"}');
        return send(
          res,
          200,
          JSON.stringify({
            sha: blob[1],
            encoding: "base64",
            size: text.length,
            content: Buffer.from(text).toString("base64"),
          }),
        );
      }
      send(res, 404, '{"message":"Not Found"}');
    }) satisfies Parameters<typeof serve>[0];
  return { route, state };
}

function folderFiles(
  source: RecordSource,
  record: SampleRecordName,
  dest: string,
  extra: string[] = [],
): FakeFile[] {
  const dir = path.join(source.dir, source.folder(record));
  const names = readdirSync(dir).filter((n) => n === "README.md" || /^submission.*\.json$/.test(n));
  return [
    ...names.map((n) => ({ filename: `${dest}/${n}`, text: readFileSync(path.join(dir, n), "utf8") })),
    ...extra.map((n) => ({ filename: `${dest}/${n}`, text: `log of ${n}\n` })),
  ];
}

let served: Served | null = null;
afterEach(async () => {
  await served?.close();
  served = null;
});

describe.each(recordSources)("syncCompetitors against a fake GitHub, on $name", (source) => {
  const top = "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611";
  const pulls = () => [
    {
      number: 1855,
      title: "Record: 11L XSA + LQER + SparseAttnGate — val_bpb 1.0611 (3-seed mean)",
      state: "closed",
      merged_at: "2026-04-28T10:00:00Z",
      updated_at: "2026-04-28T10:00:00Z",
      files: folderFiles(source, "mean-of-seeds", `${TRACK}/${top}`, [
        "train_seed42.log",
        "train_seed0.log",
        "train_seed1234.log",
      ]),
    },
    {
      number: 398,
      title: "Record: 11L EMA + TTT(20ep,freeze=0) — val_bpb=1.1213 (3-seed mean 1.1221)",
      state: "closed",
      merged_at: null,
      updated_at: "2026-03-22T10:00:00Z",
      files: folderFiles(source, "best-seed-and-mean", `${TRACK}/2026-03-21_11L_EMA_TTT20ep_1.1213`),
    },
    {
      number: 77,
      title: "LoRA TTT",
      state: "closed",
      merged_at: "2026-03-19T12:00:00Z",
      updated_at: "2026-03-19T12:00:00Z",
      files: folderFiles(source, "runs-mean-in-readme", `${TRACK}/2026-03-17_LoRA_TTT`, ["train_v0.txt"]),
    },
    {
      number: 640,
      title: "Record: 1.1570 BPB — 73.7M Ternary U-Net",
      state: "closed",
      merged_at: "2026-03-25T12:00:00Z",
      updated_at: "2026-03-25T12:00:00Z",
      files: folderFiles(source, "ternary-json", `${TRACK}/2026-03-24_74M_Ternary`),
    },
    {
      number: 5,
      title: "Fix typo in README",
      state: "open",
      merged_at: null,
      updated_at: "2026-03-18T12:00:00Z",
      files: [{ filename: "README.md", text: "# hi" }],
    },
    {
      number: 999,
      title: "Record: my run",
      state: "open",
      merged_at: null,
      updated_at: "2026-03-18T11:00:00Z",
      files: [
        { filename: `${TRACK}/2026-03-18_Mine/README.md`, text: "# My run\n\nIt trained.\n" },
        { filename: `${TRACK}/2026-03-18_Mine/submission.json`, text: '{"author": "me", "val_bpb": ' },
      ],
    },
  ];

  it("reads every record folder across pages, flags and ranks them, and skips the one without a score", async () => {
    const fake = fakeGitHub(pulls());
    served = await serve(fake.route(() => served?.url ?? ""));
    const cache: EtagCache = {};
    const github = createGitHubClient({ fetch: globalThis.fetch, baseUrl: served.url, cache, token: null });
    const file = await syncCompetitors({
      github,
      repo: REPO,
      previous: emptyCompetitorsFile(),
      now: "2026-05-01T00:00:00Z",
    });

    expect(file.failures).toEqual([]);
    expect(file.competitors.map((c) => [c.pr_number, c.val_bpb, c.state, c.flags])).toEqual([
      [1855, 1.06107587, "merged", []],
      [398, 1.1221, "closed", ["missing_evidence", "unmerged"]],
      [640, 1.157, "merged", ["missing_evidence"]],
      [77, 1.1928, "merged", []],
    ]);
    expect(file.sota?.pr_number).toBe(1855);
    expect(file.competitors[0]).toMatchObject({
      folder: `${TRACK}/${top}`,
      record_track: true,
      pr_author: "author1855",
      artifact_bytes: 15907550,
      seeds: 3,
      techniques: ["11L XSA", "LQER", "SparseAttnGate"],
    });
    expect(file.skipped).toEqual([
      {
        pr_number: 999,
        folder: `${TRACK}/2026-03-18_Mine`,
        reason: "no score found: no readable submission file; README.md states no bpb score; no training log",
      },
    ]);
    expect(Object.keys(file.seen).sort()).toEqual(["1855", "398", "5", "640", "77", "999"]);
  });

  it("costs one conditional request when nothing changed, and re-reads only the PR that moved", async () => {
    const data = pulls();
    const fake = fakeGitHub(data);
    served = await serve(fake.route(() => served?.url ?? ""));
    const cache: EtagCache = {};
    const client = () => createGitHubClient({ fetch: globalThis.fetch, baseUrl: served?.url ?? "", cache });
    const first = await syncCompetitors({
      github: client(),
      repo: REPO,
      previous: emptyCompetitorsFile(),
      now: "t1",
    });
    const afterFirst = served.requests.length;

    const quiet = client();
    const second = await syncCompetitors({ github: quiet, repo: REPO, previous: first, now: "t2" });
    expect(quiet.stats).toEqual({ requests: 1, notModified: 1, rateLimitRemaining: null });
    expect(second.competitors).toEqual(first.competitors);
    expect(served.requests[afterFirst]?.headers["if-none-match"]).toMatch(/^"[0-9a-f]{40}"$/);

    const pr398 = data[1];
    if (!pr398) throw new Error("fixture list changed");
    pr398.updated_at = "2026-04-30T00:00:00Z";
    pr398.merged_at = "2026-04-30T00:00:00Z";
    served.requests.length = 0;
    const third = await syncCompetitors({ github: client(), repo: REPO, previous: second, now: "t3" });
    const read = served.requests.map((r) => r.path).filter((p) => p.includes("/files"));
    expect(read).toEqual([`/repos/${REPO}/pulls/398/files?per_page=100`]);
    expect(third.competitors.find((c) => c.pr_number === 398)?.flags).toEqual(["missing_evidence"]);
  });

  it("after a sync that left pull requests for later, lists past the pages already done to reach them", async () => {
    const fake = fakeGitHub(pulls());
    served = await serve(fake.route(() => served?.url ?? ""));
    const cache: EtagCache = {};
    const client = () => createGitHubClient({ fetch: globalThis.fetch, baseUrl: served?.url ?? "", cache });
    const first = await syncCompetitors({
      github: client(),
      repo: REPO,
      previous: emptyCompetitorsFile(),
      now: "t1",
      maxPulls: 3,
    });
    expect(first.failures).toEqual(["3 pull requests left for the next sync"]);
    expect(Object.keys(first.seen).sort()).toEqual(["1855", "398", "77"]);

    // Page 1 (three PRs, all read) is unchanged; the rest sit on page 2 and must still be read.
    const second = await syncCompetitors({ github: client(), repo: REPO, previous: first, now: "t2" });
    expect(second.failures).toEqual([]);
    expect(Object.keys(second.seen).sort()).toEqual(["1855", "398", "5", "640", "77", "999"]);

    const quiet = client();
    await syncCompetitors({ github: quiet, repo: REPO, previous: second, now: "t3" });
    expect(quiet.stats.requests).toBe(1);
    expect(quiet.stats.notModified).toBe(1);
  });

  it("stops at the rate limit, keeps what it read and retries the rest next time", async () => {
    const fake = fakeGitHub(pulls());
    fake.state.rateLimited.add(398);
    served = await serve(fake.route(() => served?.url ?? ""));
    const github = createGitHubClient({ fetch: globalThis.fetch, baseUrl: served.url, cache: {} });
    const file = await syncCompetitors({ github, repo: REPO, previous: emptyCompetitorsFile(), now: "t" });
    expect(file.competitors.map((c) => c.pr_number)).toEqual([1855]);
    expect(file.failures).toEqual([
      "PR #398: GitHub rate limit exhausted; it resets at 2026-01-01T00:00:00.000Z (set GITHUB_TOKEN for 5000/hour)",
    ]);
    expect(Object.keys(file.seen)).toEqual(["1855"]);
  });
});

describe("syncCompetitors on record folders this repository holds (test/data/records)", () => {
  const local = (rel: string, name: string) =>
    readFileSync(path.join(repoRoot, "test", "data", "records", rel, name), "utf8");

  it("reads the training logs of a folder whose README states no score, and the track from its path", async () => {
    const fake = fakeGitHub([
      {
        number: 12,
        title: "Record: log only",
        state: "closed",
        merged_at: "2026-01-04T12:00:00Z",
        updated_at: "2026-01-04T12:00:00Z",
        files: ["train_seed42.log", "train_seed7.log"].map((n) => ({
          filename: `${TRACK}/2026-01-04_LogOnly/${n}`,
          text: local("track_10min_16mb/2026-01-04_LogOnly", n),
        })),
      },
      {
        number: 13,
        title: "Record: seed table",
        state: "closed",
        merged_at: "2026-01-02T12:00:00Z",
        updated_at: "2026-01-02T12:00:00Z",
        files: [
          {
            filename: `${TRACK}/2026-01-02_SeedTableOnly/README.md`,
            text: local("track_10min_16mb/2026-01-02_SeedTableOnly", "README.md"),
          },
          { filename: `${TRACK}/2026-01-02_SeedTableOnly/train_seed42.log`, text: "not read\n" },
        ],
      },
    ]);
    served = await serve(fake.route(() => served?.url ?? ""));
    const github = createGitHubClient({ fetch: globalThis.fetch, baseUrl: served.url, cache: {} });
    const file = await syncCompetitors({ github, repo: REPO, previous: emptyCompetitorsFile(), now: "t" });
    expect(file.skipped).toEqual([]);
    expect(file.competitors.map((c) => [c.pr_number, c.track, c.seeds, c.source])).toEqual([
      [13, "10min_16mb", 3, "README.md per-seed results (mean of 3)"],
      [12, "10min_16mb", 2, "training logs (log parser, mean of 2)"],
    ]);
    // The README already states the score: its log is never downloaded.
    const blobs = served.requests.filter((r) => r.path.includes("/git/blobs/"));
    expect(blobs).toHaveLength(3);
  });
});

describe("createGitHubClient", () => {
  it("never follows a Link header to another host", async () => {
    served = await serve((_req, res) =>
      send(res, 200, "[1]", { link: '<https://evil.example/steal?page=2>; rel="next"' }),
    );
    const github = createGitHubClient({
      fetch: globalThis.fetch,
      baseUrl: served.url,
      cache: {},
      token: "secret",
    });
    await expect(github.list("/repos/a/b/pulls", (b) => b as number[])).rejects.toThrow(
      "refusing to follow a link outside",
    );
    expect(served.requests).toHaveLength(1);
  });
});
