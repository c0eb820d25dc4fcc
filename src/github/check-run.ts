/**
 * The `caddie / proxy` check run on the measured commit: success when caddie scored the model itself, the
 * artifact is within the cap and nothing is flagged; failure otherwise. Never neutral or skipped: both
 * count as passing for a required check, and a gate that was not evaluated must not pass. A passing check
 * of a promotable result offers a "Promote" button (a check run action); a click arrives as
 * `check_run.requested_action`. Flags are listed in words; everything from the run is sanitized.
 */
import type { Measurement } from "../engine/measure-outcome.ts";
import { fitBody, GITHUB_LIMITS, inline, plainTitle } from "../core/safe-markdown.ts";
import { bpb, bytes } from "./markdown.ts";
import type { CheckPost } from "./bot-state.ts";
import type { RepoSession } from "./repo-session.ts";
import { CHECK_MARKER, marker } from "./markers.ts";
import { writeOnce } from "./write-once.ts";

export const CHECK_NAME = "caddie / proxy";

/**
 * The button on a promotable check. GitHub's limits: label <= 20 characters, description <= 40,
 * identifier <= 20, at most 3 actions (docs: REST "Create a check run", `actions`).
 */
export const PROMOTE_ACTION = {
  label: "Promote",
  description: "Train on the full tier; reserves budget",
  identifier: "promote",
} as const;

export interface CheckInput {
  sha: string;
  experiment: string;
  /** What caddie measured; null when the result could not be used at all. */
  measurement: Pick<Measurement, "summary" | "gate" | "valBpb" | "flags"> | null;
  /** Why the result could not be used at all (a rejected artifact). */
  rejected: string | null;
  verdict: string | null;
  reason: string;
  /** The best kept score the result was judged against; null or absent for the baseline. */
  incumbent?: number | null;
  detailsUrl: string | null;
  /** Kept, or discarded while still better than the incumbent: worth offering the Promote button. */
  promotable: boolean;
}

type Measured = NonNullable<CheckInput["measurement"]>;

/**
 * The title states the verdict and why in a few words: "discard: 3.4500, not better than 3.3000". A
 * flagged run says so first, with caddie's score (or that caddie could not score it) and its first flag.
 */
function verdictTitle(input: CheckInput, m: Measured): string {
  const verdict = input.verdict ?? "measured";
  if (m.summary.status !== "ok") return `${input.verdict ?? "no score"}: ${m.summary.error ?? "no score"}`;
  const score = m.valBpb;
  const shown = score === null ? "not scored by caddie" : bpb(score);
  const [first, ...more] = m.flags;
  if (first && verdict !== "keep")
    return `flagged, not kept: ${shown} · ${more.length > 0 ? `${m.flags.length} flags: ` : ""}${first.message}`;
  const head = `${verdict}: ${shown}`;
  if (score === null) return head;
  if (m.gate?.ok !== true)
    return `${head}, ${m.gate ? `${bytes(m.gate.artifact_bytes)} bytes > ${bytes(m.gate.limit)}` : "no model file"}`;
  const inc = input.incumbent ?? null;
  if (verdict === "re-run") return `${head}, re-run on the moved research line`;
  if (verdict === "closed") return `${head}, no longer applies on the moved research line`;
  if (inc === null) return `${head}, the first score`;
  if (verdict === "keep") return `${head}, better than ${bpb(inc)}`;
  if (verdict === "discard")
    return score < inc
      ? `${head}, not enough better than ${bpb(inc)}`
      : `${head}, not better than ${bpb(inc)}`;
  return `${head} vs ${bpb(inc)}`;
}

export function checkOutput(input: CheckInput): { ok: boolean; title: string; summary: string } {
  if (input.rejected !== null)
    return {
      ok: false,
      title: plainTitle(`result rejected: ${input.rejected}`, 200),
      summary: `The run's result artifact was refused: ${inline(input.rejected, 2000)}`,
    };
  const m = input.measurement;
  const s = m?.summary ?? null;
  const gate = m?.gate ?? null;
  const flags = m?.flags ?? [];
  const ran = s !== null && s.status === "ok";
  const scored = ran && m?.valBpb !== null && m?.valBpb !== undefined;
  const within = gate?.ok === true;
  const title = plainTitle(
    m ? verdictTitle(input, m) : `${input.verdict ?? "no score"}: the log has no final val_bpb`,
    200,
  );
  const lines = [
    `**${inline(input.verdict ?? "measured", 40)}**: ${inline(input.reason, 2000)}`,
    "",
    `- val_bpb (caddie's own score of the model): ${bpb(m?.valBpb ?? null)}`,
    `- val_bpb the log claims: ${bpb(s?.val_bpb ?? null)}`,
    gate
      ? `- artifact: ${bytes(gate.code_bytes)} code (from the commit) + ${bytes(gate.model_bytes)} model = ${bytes(gate.artifact_bytes)} bytes (cap ${bytes(gate.limit)})`
      : "- artifact: no model file",
  ];
  if (flags.length > 0)
    lines.push(
      "",
      "**Flagged**: never merged or promoted automatically. A collaborator may still `/keep` it (recorded with their name) or `/discard` it.",
      "",
      ...flags.map((f) => `- ⚠️ ${inline(f.message, 500)}`),
    );
  return { ok: scored && within && flags.length === 0, title, summary: lines.join("\n") };
}

export function checkPost(input: CheckInput): CheckPost {
  const out = checkOutput(input);
  return {
    sha: input.sha,
    experiment: input.experiment,
    conclusion: out.ok ? "success" : "failure",
    title: out.title,
    // Room for the hidden run line publishCheck adds.
    summary: fitBody(out.summary, GITHUB_LIMITS.checkSummary - 200),
    detailsUrl: input.detailsUrl,
    promote: out.ok && input.promotable,
  };
}

/** The hidden line that names the run a check reports: checks of one commit differ only by it. */
function runTag(post: CheckPost, run: string): string {
  return marker(CHECK_MARKER, `${post.experiment} ${run}`);
}

/**
 * Whether exactly this check is already on GitHub: the experiment (external_id), the commit, the
 * conclusion and the run it reports (hidden in its summary). After three rejected runs of one commit, the
 * check owed for a good fourth is not any of theirs.
 */
export async function checkExists(session: RepoSession, post: CheckPost, run: string): Promise<boolean> {
  const tag = runTag(post, run);
  const found = await session.gh.paginate(session.gh.rest.checks.listForRef, {
    ...session.repo,
    ref: post.sha,
    check_name: CHECK_NAME,
    filter: "all",
    per_page: 100,
  });
  return found.some(
    (c) =>
      c.external_id === post.experiment &&
      c.head_sha === post.sha &&
      c.conclusion === post.conclusion &&
      (c.output.summary ?? "").includes(tag),
  );
}

/** Creates the check run once; after an uncertain answer it looks for it before creating it again. */
export async function publishCheck(session: RepoSession, post: CheckPost, run: string): Promise<void> {
  await writeOnce(
    async () => {
      await session.gh.rest.checks.create({
        ...session.repo,
        name: CHECK_NAME,
        head_sha: post.sha,
        status: "completed",
        conclusion: post.conclusion,
        external_id: post.experiment,
        ...(post.detailsUrl ? { details_url: post.detailsUrl } : {}),
        output: { title: post.title, summary: `${post.summary}\n\n${runTag(post, run)}` },
        ...(post.promote ? { actions: [{ ...PROMOTE_ACTION }] } : {}),
      });
      return true;
    },
    async () => ((await checkExists(session, post, run)) ? true : null),
    session.app.writes,
  );
}
