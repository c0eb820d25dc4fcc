/**
 * Keeps the one results issue: found by its number in bot.json, or among issues the App itself opened
 * (hidden marker + label), else created. The body is rendered whole from state and written only when it
 * changed; a closed issue is reopened, never duplicated. Dry runs log instead of writing.
 */
import { parseNotes } from "../core/notes.ts";
import { hasMarker, RESULTS_MARKER } from "./markers.ts";
import type { GitHubStore } from "./github-store.ts";
import type { RepoSession } from "./repo-session.ts";
import {
  renderResultsIssue,
  RESULTS_TITLE,
  type LoopStatus,
  type ResultsModel,
} from "./render-results-issue.ts";
import type { CaddieConfig } from "../core/config.ts";
import { gainPairs, renderGainsByClass } from "../core/tier-gains.ts";
import { noiseStatus, renderNoiseStatus } from "../engine/noise-status.ts";
import { renderBudget } from "../core/render-budget.ts";
import { estimateFullRun, spendSummary } from "../core/spend-ledger.ts";
import { readSpend, spendPolicy } from "./promote.ts";
import { storedCompetitors } from "./watch-competitors.ts";
import { writeOnce } from "./write-once.ts";

export async function resultsModel(
  session: RepoSession,
  store: GitHubStore,
  status: LoopStatus,
  config: CaddieConfig | null,
): Promise<ResultsModel> {
  const bot = store.bot();
  const rows = await store.readLedger();
  const notes = parseNotes(await store.readNotes());
  // The renderer defuses the `#`: the bot must not add cross-references to competitors' pull requests.
  const stored = storedCompetitors(store);
  const best = stored.file?.sota ?? null;
  const sota: ResultsModel["sota"] = best
    ? { valBpb: best.val_bpb, label: `openai/parameter-golf#${best.pr_number}`, url: null }
    : null;
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
    competitors: stored.file || stored.error ? { file: stored.file, error: stored.error } : null,
    budget: config
      ? renderBudget(spendSummary(readSpend(store), spendPolicy(config), session.app.clock.now()), {
          next: estimateFullRun(config.tiers.full, 1),
        })
      : null,
    promotions: Object.values(bot.promotions).sort((a, b) => a.at.localeCompare(b.at)),
    promoteGain: config?.thresholds.promoteGain ?? 0.03,
    gainsByClass: renderGainsByClass(gainPairs(rows, (await store.readState()).experiments), {
      rows,
      baseThreshold: config?.thresholds.promoteGain ?? 0.03,
    }),
    noise: config ? [...renderNoiseStatus(noiseStatus(rows, config, "proxy"), config), APP_NOISE_NOTE] : [],
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
    // Created once: after an uncertain answer, the App's own marked issue is looked for first.
    const created = await writeOnce(
      async () => {
        const res = await session.gh.rest.issues.create({
          ...session.repo,
          title: RESULTS_TITLE,
          body,
          labels: [session.app.label.results],
        });
        return res.data.number;
      },
      () => findIssue(session),
      session.app.writes,
    );
    // Found or created, it holds this body: the write that landed wrote it.
    session.runtime.issueBody = body;
    store.setBot({ ...store.bot(), resultsIssue: created });
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

/** What the App does about noise, and what it leaves to the local loop (said, not implied). */
const APP_NOISE_NOTE =
  "- In the App the baseline runs `thresholds.baseline_runs` times (re-runs of its workflow, each on a new seed); a verdict rests on the candidate's one run, with no paired extra seeds and no re-run of the incumbent, and a budget-coupled change is not kept on the proxy alone because the App cannot run its longer confirmation (the local loop does all three).";
