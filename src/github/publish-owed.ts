/**
 * Publishes what a decision owes GitHub (bot-state.ts `Owed`): the check run, the sticky report, the
 * ANALYSIS comment, the close. Each piece is tried on its own, so one failing write (a 502) does not hold
 * back the others; what failed is returned, still owed. Every piece is written once (write-once.ts: an
 * uncertain answer is followed by a look before any second write). With `confirm` (the reconciler, after
 * a failure or a restart) each piece is first looked up on GitHub, matched exactly (the check by its
 * experiment, run, commit, conclusion and title), and only written when missing.
 */
import { bestKept } from "../engine/history.ts";
import type { Owed, PendingExperiment } from "./bot-state.ts";
import { checkExists, publishCheck } from "./check-run.ts";
import { ANALYSIS_MARKER, marker } from "./markers.ts";
import { findOwnComment, postComment } from "./post-comment.ts";
import { renderReport } from "./render-report.ts";
import { upsertReport } from "./report-comment.ts";
import type { ReadySession } from "./repo-session.ts";
import type { StateView } from "./run-types.ts";

/** The state right after the decision's commit, for rendering the report. */
export async function stateView(session: ReadySession): Promise<StateView> {
  return { rows: await session.store.readLedger(), competitors: session.store.text("competitors.json") };
}

/** Returns what is still owed (the pieces that failed), or null when everything is published. */
export async function publishOwed(
  session: ReadySession,
  input: { id: string; exp: PendingExperiment; owed: Owed; view: StateView; confirm: boolean },
): Promise<Owed | null> {
  const { id, exp, owed, view, confirm } = input;
  const { gh, repo, log } = session;
  const left: Owed = { ...owed, check: null, report: false, analysis: null, close: false };
  const attempt = async (piece: string, work: () => Promise<void>): Promise<boolean> => {
    try {
      await work();
      return true;
    } catch (error) {
      log.warn(
        { id, piece, error: error instanceof Error ? error.message : String(error) },
        "publishing failed; the reconciler retries it on the next tick",
      );
      return false;
    }
  };
  const check = owed.check;
  if (check)
    if (
      !(await attempt("check", async () => {
        if (confirm && (await checkExists(session, check, owed.run))) return;
        await publishCheck(session, check, owed.run);
      }))
    )
      left.check = check;
  if (owed.report)
    left.report = !(await attempt("report", () =>
      publishReport(session, id, exp, view, !confirm && exp.history.length <= 1),
    ));
  const analysis = owed.analysis;
  if (analysis !== null)
    if (
      !(await attempt("analysis", async () => {
        if (confirm && (await findOwnComment(session, exp.pr, marker(ANALYSIS_MARKER, id)))) return;
        await postComment(session, {
          issue: exp.pr,
          body: analysis,
          marker: { name: ANALYSIS_MARKER, value: id },
        });
      }))
    )
      left.analysis = analysis;
  if (owed.close)
    left.close = !(await attempt("close", async () => {
      if (confirm) {
        const pull = await gh.rest.pulls.get({ ...repo, pull_number: exp.pr });
        if (pull.data.state === "closed") return;
      }
      await gh.rest.pulls.update({ ...repo, pull_number: exp.pr, state: "closed" });
    }));
  return left.check || left.report || left.analysis !== null || left.close ? left : null;
}

async function publishReport(
  session: ReadySession,
  id: string,
  exp: PendingExperiment,
  view: StateView,
  first: boolean,
): Promise<void> {
  const incumbent = bestKept(
    view.rows.filter((r) => r.experiment !== id),
    "proxy",
  );
  let sota: { valBpb: number; label: string } | null = null;
  const competitors = view.competitors;
  if (competitors) {
    try {
      const parsed = JSON.parse(competitors) as { sota?: { val_bpb: number; pr_number: number } | null };
      if (parsed.sota)
        sota = { valBpb: parsed.sota.val_bpb, label: `openai/parameter-golf#${parsed.sota.pr_number}` };
    } catch {
      sota = null;
    }
  }
  await upsertReport(
    session,
    id,
    exp.pr,
    renderReport({
      experiment: id,
      description: exp.description,
      runs: exp.history,
      incumbent,
      sota,
      limitBytes: session.config.limitBytes,
    }),
    first,
  );
}
