/**
 * Turns a finished training workflow run into what the engine measures: downloads the `caddie-result`
 * artifact (untrusted: size-capped, unzipped defensively, run.json and result.json schema- and
 * range-checked), takes caddie's score from the scoring step's block; the code bytes are the commit's
 * (src/engine/committed-code-bytes.ts), never the runner's.
 */
import type { Flag } from "../core/flags.ts";
import type { ScoreResult } from "../core/score-result.ts";
import type { RunOutcome } from "../engine/ports.ts";
import type { GitHubClient, RepoRef } from "./github-client.ts";
import { downloadArtifact } from "./download-artifact.ts";
import { validateResultFile, validateRunFile } from "./validate-run-file.ts";

export const RESULT_ARTIFACT = "caddie-result";
/** The parser needs the end of the log; a runaway log is cut from the front. */
const MAX_LOG_CHARS = 4 * 1024 * 1024;

export type RunResult =
  | { ok: true; outcome: RunOutcome; codeBytes: number; score: ScoreResult | null }
  | { ok: false; error: string };

function parseJson(text: Buffer | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text.toString("utf8"));
  } catch {
    return null;
  }
}

export async function fetchRunResult(
  gh: GitHubClient,
  repo: RepoRef,
  input: { runId: number; codeBytes: number | null },
): Promise<RunResult> {
  const list = await gh.rest.actions.listWorkflowRunArtifacts({
    ...repo,
    run_id: input.runId,
    name: RESULT_ARTIFACT,
    per_page: 10,
  });
  const artifact = list.data.artifacts.find((a) => a.name === RESULT_ARTIFACT);
  if (!artifact) return { ok: false, error: `the workflow run uploaded no '${RESULT_ARTIFACT}' artifact` };
  const downloaded = await downloadArtifact(gh, repo, artifact);
  if (!downloaded.ok) return downloaded;
  const files = downloaded.files;
  const runText = files.get("run.json");
  const log = files.get("train.log");
  if (!runText) return { ok: false, error: "the artifact holds no run.json" };
  if (!log) return { ok: false, error: "the artifact holds no train.log" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(runText.toString("utf8"));
  } catch {
    return { ok: false, error: "run.json is not valid JSON" };
  }
  const checked = validateRunFile(parsed);
  if (!checked.ok) return checked;
  if (input.codeBytes === null)
    return { ok: false, error: "the training script is missing at the measured commit" };
  const logText = log.toString("utf8");
  const result = validateResultFile(parseJson(files.get("result.json")), checked.run.modelBytes);
  const flags: Flag[] = result.runnerFlags;
  return {
    ok: true,
    outcome: {
      exitCode: checked.run.exitCode,
      timedOut: checked.run.timedOut,
      seconds: checked.run.seconds,
      logText: logText.length > MAX_LOG_CHARS ? logText.slice(-MAX_LOG_CHARS) : logText,
      logPath: `artifact ${artifact.id}/train.log`,
      modelBytes: checked.run.modelBytes,
      flags,
    },
    codeBytes: input.codeBytes,
    score: result.score,
  };
}
