/**
 * Keeps the one results issue: found by its number in bot.json, or among issues the App itself opened
 * (hidden marker + label), else created. The body is rendered whole from state and written only when it
 * changed; a closed issue is reopened, never duplicated. Dry runs log instead of writing.
 */
import { parseNotes } from "../core/notes.ts";
import type { CompetitorsFile } from "../research/types.ts";
import { hasMarker, RESULTS_MARKER } from "./markers.ts";
import type { GitHubStore } from "./github-store.ts";
import type { RepoSession } from "./repo-session.ts";
import {
  renderResultsIssue,
  RESULTS_TITLE,
  type LoopStatus,
  type ResultsModel,
} from "./render-results-issue.ts";
import { renderBudget } from "./budget.ts";
import type { CaddieConfig } from "../core/config.ts";

export async function resultsModel(
  session: RepoSession,
  store: GitHubStore,
  status: LoopStatus,
  config: CaddieConfig | null,
): Promise<ResultsModel> {
  const bot = store.bot();
  const rows = await store.readLedger();
  const notes = parseNotes(await store.readNotes());
  let sota: ResultsModel["sota"] = null;
  const competitors = store.text("competitors.json");
  if (competitors) {
    try {
      const file = JSON.parse(competitors) as CompetitorsFile;
      if (file.sota)
        sota = {
          valBpb: file.sota.val_bpb,
          label: `openai/parameter-golf#${file.sota.pr_number}`,
          url: `https://github.com/openai/parameter-golf/pull/${file.sota.pr_number}`,
        };
    } catch {
      sota = null;
    }
  }
  const pulls: Record<string, number> = {};
  for (const [id, e] of Object.entries(bot.experiments)) pulls[id] = e.pr;
  return {
    status,
    rows,
    pulls,
    open: Object.entries(bot.experiments)
      .filter(([, e]) => e.status === "open")
      .map(([id, e]) => ({ id, pr: e.pr, description: e.description })),
    sota,
    budget: config ? renderBudget(config, bot.promotions) : null,
    promotions: bot.promotions,
    deadEnds: notes.deadEnds,
    whatWorks: notes.whatWorks,
    limitBytes: config?.limitBytes ?? 16_000_000,
    stateUrl: `https://github.com/${session.repo.owner}/${session.repo.repo}/blob/caddie/state/results.tsv`,
  };
}

async function findIssue(session: RepoSession): Promise<number | null> {
  const login = await session.app.botLogin();
  const list = await session.gh.rest.issues.listForRepo({
    ...session.repo,
    state: "all",
    creator: login,
    labels: session.app.label.results,
    per_page: 20,
  });
  const found = list.data.find((i) => !i.pull_request && hasMarker(i.body, RESULTS_MARKER));
  return found?.number ?? null;
}

/** Renders and writes the results issue; records a newly created issue's number in bot.json (caller flushes). */
export async function writeResultsIssue(
  session: RepoSession,
  store: GitHubStore,
  body: string,
  dryRun: boolean,
): Promise<void> {
  if (dryRun) {
    session.log.info({ chars: body.length }, "DRY-RUN: would update the results issue");
    return;
  }
  const bot = store.bot();
  const number = bot.resultsIssue ?? (await findIssue(session));
  if (number === null) {
    const created = await session.gh.rest.issues.create({
      ...session.repo,
      title: RESULTS_TITLE,
      body,
      labels: [session.app.label.results],
    });
    session.runtime.issueBody = body;
    store.setBot({ ...store.bot(), resultsIssue: created.data.number });
    return;
  }
  if (bot.resultsIssue !== number) store.setBot({ ...store.bot(), resultsIssue: number });
  if (session.runtime.issueBody === null) {
    const current = await session.gh.rest.issues.get({ ...session.repo, issue_number: number });
    session.runtime.issueBody = current.data.state === "open" ? (current.data.body ?? "") : null;
  }
  if (session.runtime.issueBody === body) return;
  await session.gh.rest.issues.update({ ...session.repo, issue_number: number, body, state: "open" });
  session.runtime.issueBody = body;
}

export async function refreshResultsIssue(
  session: RepoSession,
  store: GitHubStore,
  status: LoopStatus,
  config: CaddieConfig | null,
): Promise<void> {
  const body = renderResultsIssue(await resultsModel(session, store, status, config));
  await writeResultsIssue(session, store, body, config?.dryRun ?? false);
}
