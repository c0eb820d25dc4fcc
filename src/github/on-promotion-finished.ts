/**
 * A promotion workflow run finished (webhook or reconciler). A run the App dispatched (verify-run.ts) is
 * paired with its promotion by the run id the dispatch recorded, never by its title: each seed's upload is
 * measured with the shared parser and gate, one `full` ledger row per seed is written (and the proxy row
 * marked promoted), and the spend reservation is settled with the billed seconds. A run that ran but
 * uploaded nothing (cancelled mid-run) is charged its elapsed time; only one that never started is
 * released. A promotion-workflow run nobody reserved (a hand-made dispatch by someone with write access)
 * is recorded as unbudgeted spend at its elapsed time, its uploads never read.
 */
import { claimReference, type ClaimReference } from "../core/claim-gap.ts";
import { committedCodeBytes } from "../engine/committed-code-bytes.ts";
import { upsertLedgerRow, type LedgerRow } from "../core/ledger.ts";
import { recordUnbudgeted, releaseSpend, settleSpend, usd } from "../core/spend-ledger.ts";
import { mean, std } from "../core/statistics.ts";
import { describeFlags } from "../core/flags.ts";
import { measuredRowFields, measureOptions, measureOutcome } from "../engine/measure-outcome.ts";
import type { Promotion } from "./bot-state.ts";
import { fetchPromotionSeeds, type PromotionSeed } from "./fetch-promotion-seeds.ts";
import { bpb, bytes, short } from "./markdown.ts";
import { inline } from "../core/safe-markdown.ts";
import { editSpend, readSpend } from "./promote.ts";
import { PROMOTION_MARKER } from "./markers.ts";
import { postComment } from "./post-comment.ts";
import type { ReadySession } from "./repo-session.ts";
import { refreshResultsIssue } from "./results-issue.ts";
import { verifyRun, type RunRecord, type TrustedRunRule } from "./verify-run.ts";

export interface FinishedPromotionRun {
  id: number;
  conclusion: string | null;
  htmlUrl: string | null;
  /** When the run started and last changed (GitHub's record): its elapsed time when it uploaded nothing. */
  startedAt: string | null;
  updatedAt: string | null;
  /** Why the run is not one the App dispatched (verify-run.ts), or null when it is. */
  untrusted: string | null;
  /** For an untrusted run: whether it could have reached Modal (a dispatch on the default branch). */
  couldSpend?: boolean;
}

/**
 * What the promotion read-back needs: whether the App dispatched the run, and if not, whether it could
 * have reached Modal anyway (every check but the actor passes: a dispatch on the default branch by a
 * person with write access).
 */
export function promotionRun(
  run: RunRecord & {
    conclusion: string | null;
    html_url: string | null;
    run_started_at?: string | null;
    updated_at?: string | null;
  },
  rule: TrustedRunRule,
): FinishedPromotionRun {
  const verdict = verifyRun(run, rule);
  const byWriter = verifyRun(run, { ...rule, botLogin: run.triggering_actor?.login ?? "" });
  return {
    id: run.id,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
    startedAt: run.run_started_at ?? null,
    updatedAt: run.updated_at ?? null,
    untrusted: verdict.ok ? null : verdict.reason,
    couldSpend: byWriter.ok,
  };
}

// Billed seconds above the Modal timeout are a broken counter, not a run; some slack for container start.
const BILLED_SLACK_SECONDS = 600;

/** Seconds from start to end of the run, within 0 and `max`. */
export function elapsedSeconds(run: FinishedPromotionRun, max: number): number {
  const start = Date.parse(run.startedAt ?? "");
  const end = Date.parse(run.updatedAt ?? "");
  if (!Number.isFinite(start) || !Number.isFinite(end)) return max;
  return Math.min(max, Math.max(0, Math.round((end - start) / 1000)));
}

/**
 * The dispatched promotion a trusted run belongs to: the one whose dispatch recorded this run id; where
 * GitHub did not return the id at dispatch, the oldest dispatched promotion still without one (dispatches
 * are serialized per repository, and the run is the App's own).
 */
export function promotionOfRun(promotions: Record<string, Promotion>, runId: number): Promotion | null {
  const all = Object.values(promotions);
  const bound = all.find((p) => p.runId === runId);
  if (bound) return bound;
  const unbound = all
    .filter((p) => p.state === "dispatched" && p.runId === null)
    .sort((a, b) => a.at.localeCompare(b.at));
  return unbound[0] ?? null;
}

function seedRow(
  session: ReadySession,
  p: Promotion,
  seed: PromotionSeed,
  codeBytes: number | null,
  description: string,
  claimRef: ClaimReference,
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
      claimed_val_bpb: null,
      artifact_bytes: null,
      memory_gb: null,
      seconds: seed.billedSeconds,
      status: "crash" as const,
      flags: [],
    },
    note: error,
  });
  if (!seed.result.ok) return crash(seed.result.error);
  if (codeBytes === null) return crash("the training script is missing at the promoted commit");
  const outcome = seed.result.outcome;
  const m = measureOutcome(
    outcome,
    { codeBytes, score: seed.result.score },
    { ...measureOptions(session.config), claimReference: claimRef, tier: "full" },
  );
  if (m.summary.status === "crash") return crash(m.summary.error ?? "crashed");
  const over = m.gate !== null && !m.gate.ok;
  // A flagged seed (unverified, claim disagrees...) never counts as a kept full-tier result.
  const flagged = m.flags.length > 0;
  return {
    row: {
      ...base,
      ...measuredRowFields(m, outcome.seconds),
      status: over || flagged ? "discard" : "keep",
    },
    note: flagged ? describeFlags(m.flags) : over && m.gate ? m.gate.reason : null,
  };
}

export async function onPromotionFinished(session: ReadySession, run: FinishedPromotionRun): Promise<string> {
  const { store, gh, repo, config } = session;
  if (run.untrusted !== null) return recordUntrusted(session, run);
  const p = promotionOfRun(store.bot().promotions, run.id);
  if (p && p.state !== "dispatched") return "duplicate";
  if (!p)
    return recordUntrusted(session, {
      ...run,
      untrusted: "no dispatch of the spend ledger created it",
      couldSpend: true,
    });
  const full = config.tiers.full;
  const timeoutSeconds = full.timeoutMinutes * 60;
  const seeds = await fetchPromotionSeeds(gh, repo, {
    runId: run.id,
    maxSeconds: timeoutSeconds + BILLED_SLACK_SECONDS,
  });
  const mine = seeds.filter((s) => s.pr === p.pr);
  const nowMs = session.app.clock.now();
  let settled: Promotion;
  let text: string;
  if (mine.length === 0) {
    // It uploaded nothing. If it ran, the GPUs may have been billed for as long as it ran: charge that.
    const elapsed = elapsedSeconds(run, timeoutSeconds);
    if (elapsed === 0) {
      const reason = `the promotion run ended (${run.conclusion ?? "unknown"}) before it started; released`;
      editSpend(store, (ledger) => releaseSpend(ledger, p.key, { nowMs, reason }).ledger);
      settled = { ...p, state: "released", runId: run.id, costUsd: 0 };
      text = `**8xH100 promotion of \`${short(p.sha)}\`** ${reason}.`;
    } else {
      const note = `the run ended (${run.conclusion ?? "unknown"}) without uploading results: charged its elapsed ${elapsed} s for each of ${p.seeds} seed(s)`;
      let cost = 0;
      editSpend(store, (ledger) => {
        const out = settleSpend(ledger, p.key, { measuredSeconds: elapsed * p.seeds, nowMs, note });
        cost = out.entry.costUsd ?? 0;
        return out.ledger;
      });
      settled = { ...p, state: "settled", runId: run.id, costUsd: cost };
      text = `**8xH100 promotion of \`${short(p.sha)}\`**: ${note}; settled ${usd(cost)} (Modal's usage page has the exact bill).`;
    }
  } else {
    const codeBytes = await committedCodeBytes(session.forge, p.sha, config.target);
    let rows = await store.readLedger();
    const proxy = rows.find((r) => r.experiment === p.experiment && r.tier === "proxy" && r.commit === p.sha);
    const description = proxy?.description ?? `promotion of ${p.experiment}`;
    const claimRef = claimReference(rows, "full", p.experiment);
    const results = mine.map((s) => ({
      seed: s,
      ...seedRow(session, p, s, codeBytes, description, claimRef),
    }));
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
  await postComment(session, {
    issue: p.pr,
    body: text,
    marker: { name: PROMOTION_MARKER, value: `${p.key} ${settled.state}` },
  });
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

/**
 * A promotion-workflow run the App did not dispatch. Its uploads are never read. If it could have reached
 * Modal (a dispatch of the workflow on the default branch, by someone with write access), its elapsed time
 * is recorded as unbudgeted spend, so the budget stays honest; anything else (a pull request's copy of the
 * workflow gets no Modal secrets) is only logged.
 */
async function recordUntrusted(session: ReadySession, run: FinishedPromotionRun): Promise<string> {
  const { store, config, log } = session;
  const key = `unbudgeted:run-${run.id}`;
  if (!run.couldSpend) {
    log.warn({ run: run.id, reason: run.untrusted }, "promotion run not dispatched by the App: ignored");
    return "untrusted";
  }
  if (readSpend(store).entries.some((e) => e.key === key)) return "duplicate";
  const full = config.tiers.full;
  const seconds = elapsedSeconds(run, full.timeoutMinutes * 60);
  const note = `not dispatched by caddie (${run.untrusted}); charged its elapsed ${seconds} s at ${full.gpus} GPUs`;
  log.warn({ run: run.id, seconds }, "unbudgeted promotion run: recorded as spend");
  editSpend(
    store,
    (ledger) =>
      recordUnbudgeted(
        ledger,
        {
          key,
          label: `⚠️ unbudgeted promotion run ${run.id}`,
          gpus: full.gpus,
          usdPerGpuHour: full.usdPerGpuHour,
          measuredSeconds: seconds,
        },
        session.app.clock.now(),
        note,
      ).ledger,
  );
  const bot = store.bot();
  await refreshResultsIssue(session, store, bot.paused ? { kind: "paused" } : { kind: "running" }, config);
  await store.flush(`unbudgeted promotion run ${run.id}`);
  return "unbudgeted";
}
