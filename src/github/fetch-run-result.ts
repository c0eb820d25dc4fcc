/**
 * Turns a finished training workflow run into a RunOutcome the engine can measure: downloads the
 * `caddie-result` artifact (untrusted: size-capped, unzipped defensively, run.json schema- and
 * range-checked) and counts the code bytes itself from the commit, never from the runner.
 */
import type { RunOutcome } from "../engine/ports.ts";
import type { GitHubClient, RepoRef } from "./github-client.ts";
import { downloadArtifact } from "./download-artifact.ts";
import { validateRunFile } from "./validate-run-file.ts";

export const RESULT_ARTIFACT = "caddie-result";
/** The parser needs the end of the log; a runaway log is cut from the front. */
const MAX_LOG_CHARS = 4 * 1024 * 1024;

export type RunResult = { ok: true; outcome: RunOutcome } | { ok: false; error: string };

export async function fetchRunResult(
  gh: GitHubClient,
  repo: RepoRef,
  input: { runId: number; codeText: string | null },
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
  if (input.codeText === null)
    return { ok: false, error: "the training script is missing at the measured commit" };
  const logText = log.toString("utf8");
  return {
    ok: true,
    outcome: {
      exitCode: checked.run.exitCode,
      timedOut: checked.run.timedOut,
      seconds: checked.run.seconds,
      logText: logText.length > MAX_LOG_CHARS ? logText.slice(-MAX_LOG_CHARS) : logText,
      logPath: `artifact ${artifact.id}/train.log`,
      codeBytes: Buffer.byteLength(input.codeText, "utf8"),
      modelBytes: checked.run.modelBytes,
    },
  };
}
