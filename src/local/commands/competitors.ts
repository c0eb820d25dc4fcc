import { parseArgs } from "node:util";
import path from "node:path";
import { recordScore } from "../../core/record-score.ts";
import { UserError } from "../../core/user-error.ts";
import { readRecordFolder } from "../../research/read-record-folder.ts";
import { renderCompetitorTable } from "../../research/render-competitor-table.ts";
import { createGitHubOctokit } from "../../research/github-octokit.ts";
import { githubReader } from "../../research/github-reader.ts";
import {
  readCompetitorsFile,
  readEtagCache,
  writeCompetitorsFile,
  writeEtagCache,
} from "../../research/state-files.ts";
import { syncCompetitors } from "../../research/sync-competitors.ts";
import type { Command, CommandIO } from "./command.ts";

const CACHE_FILE = "github-cache.json";

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

async function parseFolder(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1)
    throw new UserError("give one record folder: caddie competitors parse DIR [--json]");
  const dir = path.resolve(io.cwd, positionals[0] ?? "");
  const parsed = recordScore(await readRecordFolder(dir));
  if (!parsed.ok)
    throw new UserError(
      `${dir}: ${parsed.reason}${parsed.notes.length ? ` (${parsed.notes.join("; ")})` : ""}`,
      1,
    );
  const r = parsed.record;
  if (values.json) {
    io.stdout(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  io.stdout(
    [
      `val_bpb: ${r.val_bpb}`,
      `source: ${r.source}`,
      `seeds: ${r.seeds}`,
      `artifact_bytes: ${r.artifact_bytes ?? "unknown"}`,
      `flags: ${r.flags.join(", ") || "none"}`,
      ...r.notes.map((n) => `note: ${n}`),
    ].join("\n") + "\n",
  );
  return 0;
}

async function sync(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "state-dir": { type: "string", default: ".caddie" },
      "api-url": { type: "string", default: "https://api.github.com" },
      repo: { type: "string", default: "openai/parameter-golf" },
      "max-pulls": { type: "string", default: "100" },
      json: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo))
    throw new UserError(`--repo must be OWNER/NAME, got '${values.repo}'`);
  const stateDir = path.resolve(io.cwd, values["state-dir"]);
  const previous = await readCompetitorsFile(stateDir);
  const cache = await readEtagCache(stateDir, CACHE_FILE);
  const github = githubReader(
    createGitHubOctokit({ baseUrl: values["api-url"], token: io.env.GITHUB_TOKEN ?? null }),
    { cache, signal: io.signal },
  );
  const next = await syncCompetitors({
    github,
    repo: values.repo,
    previous,
    now: new Date().toISOString(),
    maxPulls: positiveInt(values["max-pulls"], "--max-pulls"),
  });
  await writeCompetitorsFile(stateDir, next);
  await writeEtagCache(stateDir, CACHE_FILE, cache);
  const summary = {
    competitors: next.competitors.length,
    new: next.competitors.length - previous.competitors.length,
    skipped: next.skipped.length,
    sota: next.sota ? { pr_number: next.sota.pr_number, val_bpb: next.sota.val_bpb } : null,
    requests: github.stats.requests,
    not_modified: github.stats.notModified,
    rate_limit_remaining: github.stats.rateLimitRemaining,
    failures: next.failures,
  };
  if (values.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    io.stdout(`${renderCompetitorTable(next.competitors, { top: 10 })}\n\n`);
    io.stdout(
      `${summary.competitors} record entries (${summary.new >= 0 ? "+" : ""}${summary.new}), ${summary.skipped} skipped; ` +
        `${summary.requests} GitHub requests (${summary.not_modified} answered 304); state in ${stateDir}\n`,
    );
  }
  for (const f of next.failures) io.stderr(`warning: ${f}\n`);
  const listingFailed = next.failures.some((f) => f.startsWith("listing pull requests"));
  return listingFailed ? 1 : 0;
}

export const competitorsCommand: Command = {
  name: "competitors",
  summary: "parse record folders and watch openai/parameter-golf for competitor scores",
  usage: `caddie competitors parse DIR [--json]
       caddie competitors sync [--state-dir D] [--api-url URL] [--repo OWNER/NAME] [--max-pulls N] [--json]

  parse: read one record folder (README.md, submission*.json, logs) and print its leaderboard value
         (the mean over seeds when several are reported), artifact bytes, seeds, flags and source.
  sync:  poll the repository's pull requests (conditional requests: unchanged pages cost no rate limit),
         parse the record folders they add, and write competitors.json to the state folder (default .caddie).
         GITHUB_TOKEN, when set, raises the rate limit from 60 to 5000 requests an hour.`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "parse") return parseFolder(rest, io);
    if (sub === "sync") return sync(rest, io);
    throw new UserError(
      `unknown sub-command '${sub ?? ""}': use 'competitors parse DIR' or 'competitors sync'`,
    );
  },
};
