/**
 * The `caddie / proxy` check run on the measured commit: success when the run produced a score and the
 * artifact is within the cap, failure otherwise. Never neutral or skipped: both count as passing for a
 * required check, and a gate that was not evaluated must not pass. A passing check of a promotable result
 * offers a "Promote" button (a check run action); a click arrives as `check_run.requested_action`.
 */
import type { ArtifactGateResult } from "../core/artifact-gate.ts";
import type { RunLogSummary } from "../core/parse-run-log.ts";
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
  summary: RunLogSummary | null;
  gate: ArtifactGateResult | null;
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
  const s = input.summary;
  const scored = s !== null && s.status === "ok" && s.val_bpb !== null;
  const within = input.gate?.ok === true;
  const title = scored
    ? `val_bpb ${bpb(s.val_bpb)} · ${input.gate ? `${bytes(input.gate.artifact_bytes)} bytes ${within ? "≤" : ">"} ${bytes(input.gate.limit)}` : "no model file"}`
    : plainTitle(`no score: ${s?.error ?? "the log has no final val_bpb"}`, 200);
  const lines = [
    `**${inline(input.verdict ?? "measured", 40)}**: ${inline(input.reason, 2000)}`,
    "",
    `- val_bpb (parsed by caddie from the log): ${bpb(s?.val_bpb ?? null)}`,
    input.gate
      ? `- artifact: ${bytes(input.gate.code_bytes)} code + ${bytes(input.gate.model_bytes)} model = ${bytes(input.gate.artifact_bytes)} bytes (cap ${bytes(input.gate.limit)})`
      : "- artifact: no model file",
  ];
  if (input.gate?.mismatch)
    lines.push(
      `- ⚠️ the log claims ${bytes(input.gate.log_artifact_bytes ?? 0)} bytes; caddie's count is the one that counts`,
    );
  return { ok: scored && within, title, summary: lines.join("\n") };
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
