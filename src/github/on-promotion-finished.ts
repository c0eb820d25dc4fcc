/**
 * A promotion workflow run finished (webhook or reconciler): match it with the promotion it was
 * dispatched for, measure each seed's upload with the shared parser and gate, write one `full` ledger
 * row per seed (and mark the proxy row promoted), and settle the spend reservation with the billed
 * seconds. A run that uploaded nothing (failed or cancelled before any seed reported) releases it.
 *
 * Matching: a workflow_dispatch run does not carry its inputs, so the run is paired with the oldest
 * dispatched promotion still waiting, of the pull request named by its artifacts when it has any. The
 * promote workflow runs one at a time per repository (its concurrency group), so dispatch order is run
 * order. The run id is recorded on the promotion, so a redelivery changes nothing.
 */
import { upsertLedgerRow, type LedgerRow } from "../core/ledger.ts";
import { releaseSpend, settleSpend, usd } from "../core/spend-ledger.ts";
import { mean, std } from "../core/statistics.ts";
import { measuredRowFields, measureOutcome } from "../engine/measure-outcome.ts";
import type { Promotion } from "./bot-state.ts";
import { fetchPromotionSeeds, type PromotionSeed } from "./fetch-promotion-seeds.ts";
import { bpb, bytes, short } from "./markdown.ts";
import { inline } from "../core/safe-markdown.ts";
import { editSpend } from "./promote.ts";
import type { ReadySession } from "./repo-session.ts";
import { refreshResultsIssue } from "./results-issue.ts";

export interface FinishedPromotionRun {
  id: number;
  conclusion: string | null;
  htmlUrl: string | null;
  /** The run's name; promote.yml's run-name puts "#<pr> @ <sha>" in it. */
  title?: string | null;
}

/** The promotion a run names in its title ("caddie promote #12 @ <sha>"), if it names one. */
export function promotionNamedBy(title: string | null | undefined): { pr: number; sha: string } | null {
  const m = /#(\d+) @ ([0-9a-f]{40})\b/.exec(title ?? "");
  return m ? { pr: Number(m[1]), sha: m[2] ?? "" } : null;
}

// Billed seconds above the Modal timeout are a broken counter, not a run; some slack for container start.
const BILLED_SLACK_SECONDS = 600;

/**
 * The dispatched promotion a finished run belongs to: the one its title names (pr and sha) when it names
 * one; otherwise (a caller workflow without the run-name) the oldest one still waiting, of `prs` when the
 * run's artifacts named any.
 */
export function waitingPromotion(
  promotions: Record<string, Promotion>,
  prs: Set<number>,
  named: { pr: number; sha: string } | null = null,
): Promotion | null {
  const waiting = Object.values(promotions)
    .filter((p) => p.state === "dispatched" && p.runId === null)
    .filter((p) => (named ? p.pr === named.pr && p.sha === named.sha : prs.size === 0 || prs.has(p.pr)))
    .sort((a, b) => a.at.localeCompare(b.at));
  return waiting[0] ?? null;
}

function seedRow(
  session: ReadySession,
  p: Promotion,
  seed: PromotionSeed,
  codeText: string | null,
  description: string,
): { row: LedgerRow; note: string | null } {
  const full = session.config.tiers.full;
  const cost =
    seed.billedSeconds === null ? null : (full.usdPerGpuHour / 3600) * full.gpus * seed.billedSeconds;
  const base = {
    experiment: p.experiment,
    commit: p.sha,
    tier: "full",
    seed: seed.seed,
    promoted: true,
    cost_usd: cost === null ? null : Math.round(cost * 10_000) / 10_000,
    description,
  };
  const crash = (error: string) => ({
    row: {
      ...base,
      val_bpb: null,
      artifact_bytes: null,
      memory_gb: null,
      seconds: seed.billedSeconds,
      status: "crash" as const,
    },
    note: error,
  });
  if (!seed.result.ok) return crash(seed.result.error);
  if (codeText === null) return crash("the training script is missing at the promoted commit");
  const outcome = seed.result.outcome;
  const m = measureOutcome(
    { ...outcome, codeBytes: Buffer.byteLength(codeText, "utf8") },
    { limitBytes: session.config.limitBytes, metricPattern: session.config.metricPattern },
  );
  if (m.summary.status === "crash") return crash(m.summary.error ?? "crashed");
  const over = m.gate !== null && !m.gate.ok;
  return {
    row: {
      ...base,
      ...measuredRowFields(m, outcome.seconds),
      status: over ? "discard" : "keep",
    },
    note: over && m.gate ? m.gate.reason : null,
  };
}

export async function onPromotionFinished(session: ReadySession, run: FinishedPromotionRun): Promise<string> {
  const { store, gh, repo, config, log } = session;
  if (Object.values(store.bot().promotions).some((p) => p.runId === run.id)) return "duplicate";
  const full = config.tiers.full;
  const timeoutSeconds = full.timeoutMinutes * 60;
  const seeds = await fetchPromotionSeeds(gh, repo, {
    runId: run.id,
    maxSeconds: timeoutSeconds + BILLED_SLACK_SECONDS,
  });
  const p = waitingPromotion(
    store.bot().promotions,
    new Set(seeds.map((s) => s.pr)),
    promotionNamedBy(run.title),
  );
  if (!p) {
    log.info({ run: run.id }, "promotion run finished, but no dispatched promotion is waiting for it");
    return "ignored: no promotion waiting";
  }
  const mine = seeds.filter((s) => s.pr === p.pr);
  const nowMs = session.app.clock.now();
  let settled: Promotion;
  let text: string;
  if (mine.length === 0) {
    const reason = `the promotion run ended (${run.conclusion ?? "unknown"}) before any seed uploaded its results; released (check Modal's usage page if it had started)`;
    editSpend(store, (ledger) => releaseSpend(ledger, p.key, { nowMs, reason }).ledger);
    settled = { ...p, state: "released", runId: run.id, costUsd: 0 };
    text = `**8xH100 promotion of \`${short(p.sha)}\`** ${reason}.`;
  } else {
    const codeText = await session.forge.readFile(p.sha, config.target);
    let rows = await store.readLedger();
    const proxy = rows.find((r) => r.experiment === p.experiment && r.tier === "proxy" && r.commit === p.sha);
    const description = proxy?.description ?? `promotion of ${p.experiment}`;
    const results = mine.map((s) => ({ seed: s, ...seedRow(session, p, s, codeText, description) }));
    for (const r of results) rows = upsertLedgerRow(rows, r.row);
    if (proxy) rows = upsertLedgerRow(rows, { ...proxy, promoted: true });
    await store.writeLedger(rows);
    // A seed that never reported (or reported nonsense) may have run to the timeout: charge that.
    const missing = Math.max(0, p.seeds - mine.length);
    const unknown = mine.filter((s) => s.billedSeconds === null).length + missing;
    const measuredSeconds = mine.reduce((n, s) => n + (s.billedSeconds ?? 0), 0) + unknown * timeoutSeconds;
    const note =
      unknown > 0
        ? `${unknown} seed(s) reported no billed seconds: charged at the ${timeoutSeconds} s timeout`
        : run.conclusion === "success"
          ? null
          : `run ${run.conclusion ?? "unknown"}`;
    let cost = 0;
    editSpend(store, (ledger) => {
      const out = settleSpend(ledger, p.key, { measuredSeconds, nowMs, note });
      cost = out.entry.costUsd ?? 0;
      return out.ledger;
    });
    settled = { ...p, state: "settled", runId: run.id, costUsd: cost };
    text = renderPromotionComment(p, results, { measuredSeconds, cost, note, runUrl: run.htmlUrl });
  }
  store.setBot({ ...store.bot(), promotions: { ...store.bot().promotions, [p.key]: settled } });
  await store.flush(`promotion ${settled.state}: ${p.experiment} @ ${short(p.sha)}`);
  await gh.rest.issues.createComment({ ...repo, issue_number: p.pr, body: text });
  const bot = store.bot();
  await refreshResultsIssue(session, store, bot.paused ? { kind: "paused" } : { kind: "running" }, config);
  await store.flush("results issue");
  return settled.state;
}

function renderPromotionComment(
  p: Promotion,
  results: { seed: PromotionSeed; row: LedgerRow; note: string | null }[],
  s: { measuredSeconds: number; cost: number; note: string | null; runUrl: string | null },
): string {
  const scored = results.map((r) => r.row.val_bpb).filter((v): v is number => v !== null);
  const m = mean(scored);
  const sd = std(scored);
  const run = s.runUrl ? ` ([run](${s.runUrl}))` : "";
  return [
    `**8xH100 results for \`${short(p.sha)}\`**${run}`,
    "",
    "| seed | val_bpb | artifact bytes | status | billed s | cost | note |",
    "|---:|---:|---:|---|---:|---:|---|",
    ...results.map(
      (r) =>
        `| ${r.seed.seed} | ${bpb(r.row.val_bpb)} | ${r.row.artifact_bytes === null ? "—" : bytes(r.row.artifact_bytes)} | ${r.row.status} | ${r.seed.billedSeconds === null ? "—" : Math.round(r.seed.billedSeconds)} | ${r.row.cost_usd === null ? "—" : usd(r.row.cost_usd)} | ${inline(r.note ?? "", 200)} |`,
    ),
    "",
    m === null
      ? "No seed scored."
      : `Mean val_bpb ${bpb(m)}${sd === null ? "" : ` ± ${sd.toFixed(4)} (std)`} over ${scored.length} scored seed(s).`,
    `Spend settled: ${usd(s.cost)} for ${Math.round(s.measuredSeconds)} billed s (estimate ${usd(p.estimateUsd)})${s.note ? `; ${inline(s.note, 200)}` : ""}.`,
    "The submission-ready verdict (3+ seeds) is on the results issue.",
  ].join("\n");
}
