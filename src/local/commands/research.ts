import { parseArgs } from "node:util";
import { readFile } from "node:fs/promises";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { DEFAULT_MODEL } from "../../core/default-model.ts";
import { parseLedger } from "../../core/ledger.ts";
import { UserError } from "../../core/user-error.ts";
import { gradingHistory } from "../../research/grading-history.ts";
import { renderResearchContext } from "../../research/render-research-context.ts";
import { arxivSource } from "../../research/sources/arxiv.ts";
import { feedSource } from "../../research/sources/feed.ts";
import { githubPullsSource } from "../../research/sources/github-pulls.ts";
import { openReviewSource } from "../../research/sources/openreview.ts";
import { semanticScholarSource } from "../../research/sources/semantic-scholar.ts";
import type { ResearchSource } from "../../research/sources/source.ts";
import {
  readCompetitorsFile,
  readEtagCache,
  readResearchItems,
  writeEtagCache,
  writeResearchItems,
} from "../../research/state-files.ts";
import { syncResearch } from "../../research/sync-research.ts";
import type { TechniqueRow } from "../../research/technique-map.ts";
import type { Command, CommandIO } from "./command.ts";

const CACHE_FILE = "github-research-cache.json";
const ALL_SOURCES = ["arxiv", "semantic_scholar", "openreview", "github", "feeds"] as const;
export const DEFAULT_FEEDS = ["https://rss.arxiv.org/rss/cs.CL", "https://huggingface.co/blog/feed.xml"];
export const DEFAULT_REPOS = [
  "openai/parameter-golf",
  "KellerJordan/modded-nanogpt",
  "karpathy/autoresearch",
];

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

async function readLedgerRows(file: string): Promise<TechniqueRow[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return parseLedger(text).map((r) => ({
    experiment: r.experiment,
    description: r.description,
    status: r.status,
    val_bpb: r.val_bpb,
  }));
}

async function sync(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "state-dir": { type: "string", default: ".caddie" },
      ledger: { type: "string" },
      sources: { type: "string", default: ALL_SOURCES.join(",") },
      feed: { type: "string", multiple: true },
      "arxiv-url": { type: "string" },
      "s2-url": { type: "string" },
      "openreview-url": { type: "string" },
      "github-url": { type: "string" },
      "timeout-ms": { type: "string", default: "20000" },
      "no-grade": { type: "boolean", default: false },
      model: { type: "string", default: DEFAULT_MODEL },
      "max-grade": { type: "string", default: "20" },
      json: { type: "boolean", default: false },
    },
    strict: true,
  });
  const chosen = values.sources
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const s of chosen)
    if (!(ALL_SOURCES as readonly string[]).includes(s))
      throw new UserError(`unknown source '${s}' in --sources (known: ${ALL_SOURCES.join(", ")})`);
  const stateDir = path.resolve(io.cwd, values["state-dir"]);
  const cache = await readEtagCache(stateDir, CACHE_FILE);
  const sources: ResearchSource[] = [];
  if (chosen.includes("arxiv")) sources.push(arxivSource({ baseUrl: values["arxiv-url"] }));
  if (chosen.includes("semantic_scholar"))
    sources.push(semanticScholarSource({ baseUrl: values["s2-url"], apiKey: io.env.S2_API_KEY ?? null }));
  if (chosen.includes("openreview")) sources.push(openReviewSource({ baseUrl: values["openreview-url"] }));
  if (chosen.includes("github"))
    for (const repo of DEFAULT_REPOS)
      sources.push(
        githubPullsSource({ repo, baseUrl: values["github-url"], token: io.env.GITHUB_TOKEN ?? null, cache }),
      );
  if (chosen.includes("feeds"))
    for (const url of values.feed ?? DEFAULT_FEEDS) {
      try {
        sources.push(feedSource(url));
      } catch {
        throw new UserError(`--feed must be a URL, got '${url}'`);
      }
    }

  const { items: existing, badLines } = await readResearchItems(stateDir);
  if (badLines) io.stderr(`warning: skipped ${badLines} unreadable line(s) of research.jsonl\n`);
  const apiKey = io.env.ANTHROPIC_API_KEY;
  let grader = null;
  if (!values["no-grade"] && apiKey) {
    const ledgerFile = values.ledger
      ? path.resolve(io.cwd, values.ledger)
      : path.join(stateDir, "results.tsv");
    const competitors = await readCompetitorsFile(stateDir);
    grader = {
      client: new Anthropic({ apiKey, baseURL: io.env.ANTHROPIC_BASE_URL || undefined, maxRetries: 2 }),
      model: values.model,
      history: gradingHistory(
        await readLedgerRows(ledgerFile),
        competitors.competitors.length ? competitors : null,
      ),
      maxItems: positiveInt(values["max-grade"], "--max-grade"),
    };
  }
  const result = await syncResearch({
    sources,
    fetch: globalThis.fetch,
    existing,
    now: new Date().toISOString(),
    timeoutMs: positiveInt(values["timeout-ms"], "--timeout-ms"),
    signal: io.signal,
    grader,
  });
  await writeResearchItems(stateDir, result.items);
  await writeEtagCache(stateDir, CACHE_FILE, cache);
  const { items, ...summary } = result;
  if (values.json) io.stdout(`${JSON.stringify({ ...summary, cached: items.length }, null, 2)}\n`);
  else {
    const per = Object.entries(result.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    io.stdout(
      `fetched ${result.fetched} items (${per || "no source answered"}); ${result.added} new, ${result.duplicates} duplicates, ` +
        `${result.belowThreshold} below the relevance threshold; graded ${result.graded}` +
        `${grader ? "" : " (grading off: set ANTHROPIC_API_KEY)"}; ${items.length} cached in ${path.join(stateDir, "research.jsonl")}\n`,
    );
  }
  for (const f of result.failures)
    io.stderr(`warning: source ${f.source} failed after ${f.elapsed_ms} ms: ${f.reason}\n`);
  return sources.length > 0 && result.failures.length === sources.length ? 1 : 0;
}

async function show(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "state-dir": { type: "string", default: ".caddie" },
      top: { type: "string", default: "12" },
      budget: { type: "string", default: "12000" },
    },
    strict: true,
  });
  const { items } = await readResearchItems(path.resolve(io.cwd, values["state-dir"]));
  const text = renderResearchContext(items, {
    top: positiveInt(values.top, "--top"),
    budget: positiveInt(values.budget, "--budget"),
  });
  io.stdout(text ? `${text}\n` : "no research items yet: run 'caddie research sync'\n");
  return 0;
}

export const researchCommand: Command = {
  name: "research",
  summary: "fetch, de-duplicate and grade papers and posts for the agent to read",
  usage: `caddie research sync [--state-dir D] [--sources arxiv,semantic_scholar,openreview,github,feeds] [--feed URL]...
                           [--ledger results.tsv] [--timeout-ms N] [--no-grade] [--model M] [--max-grade N] [--json]
                           [--arxiv-url URL] [--s2-url URL] [--openreview-url URL] [--github-url URL]
       caddie research show [--state-dir D] [--top N] [--budget CHARS]

  sync: fetch all sources in parallel (one failing or hanging source never stops the others), drop duplicates,
        pre-filter by relevance, grade new items with Claude when ANTHROPIC_API_KEY is set (the prompt is rebuilt
        from results.tsv and competitors.json), and cache everything in research.jsonl in the state folder.
  show: print what the agent reads: the top items within the character budget, fenced as untrusted data.`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "sync") return sync(rest, io);
    if (sub === "show") return show(rest, io);
    throw new UserError(`unknown sub-command '${sub ?? ""}': use 'research sync' or 'research show'`);
  },
};
