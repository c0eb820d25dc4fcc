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
  detailsUrl: string | null;
  /** Kept, or discarded while still better than the incumbent: worth offering the Promote button. */
  promotable: boolean;
}

export function checkOutput(input: CheckInput): { ok: boolean; title: string; summary: string } {
  if (input.rejected !== null)
    return {
      ok: false,
      title: "result rejected",
      summary: `The run's result artifact was refused: ${inline(input.rejected, 2000)}`,
    };
  const m = input.measurement;
  const s = m?.summary ?? null;
  const gate = m?.gate ?? null;
  const flags = m?.flags ?? [];
  const ran = s !== null && s.status === "ok";
  const scored = ran && m?.valBpb !== null && m?.valBpb !== undefined;
  const within = gate?.ok === true;
  const size = gate
    ? `${bytes(gate.artifact_bytes)} bytes ${within ? "≤" : ">"} ${bytes(gate.limit)}`
    : "no model file";
  const title = !ran
    ? plainTitle(`no score: ${s?.error ?? "the log has no final val_bpb"}`, 200)
    : `${scored ? `val_bpb ${bpb(m?.valBpb ?? null)}` : "not scored by caddie"} · ${size}${flags.length > 0 ? ` · ${flags.length} flag${flags.length > 1 ? "s" : ""}` : ""}`;
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
    summary: fitBody(out.summary, GITHUB_LIMITS.checkSummary),
    detailsUrl: input.detailsUrl,
    promote: out.ok && input.promotable,
  };
}

export async function publishCheck(session: RepoSession, post: CheckPost): Promise<void> {
  await session.gh.rest.checks.create({
    ...session.repo,
    name: CHECK_NAME,
    head_sha: post.sha,
    status: "completed",
    conclusion: post.conclusion,
    external_id: post.experiment,
    ...(post.detailsUrl ? { details_url: post.detailsUrl } : {}),
    output: { title: post.title, summary: post.summary },
    ...(post.promote ? { actions: [{ ...PROMOTE_ACTION }] } : {}),
  });
}
