/**
 * The action's entry logic (action.yml): validate the inputs, measure the run with the core parser and
 * gate, score the model with caddie's scorer, write the result JSON, set the outputs, write the job
 * summary, annotate failures. The process exit code is set, never forced: 1 when the run crashed, the
 * artifact is over the limit, the run is flagged, or the inputs are bad. `index.ts` only calls `run()`, so tests can drive it in-process.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as core from "@actions/core";
import { redactSecrets } from "../core/sanitize.ts";
import { crashResult, measureRun, type ActionResult } from "./measure-run.ts";
import { readActionInputs, type RawActionInputs } from "./read-inputs.ts";
import { renderActionSummary } from "./render-summary.ts";

/** Runs the action against the runner's environment (process.env: INPUT_*, GITHUB_OUTPUT, ...). */
export async function run(): Promise<ActionResult | null> {
  try {
    const raw: RawActionInputs = {
      log: core.getInput("log"),
      code: core.getMultilineInput("code"),
      model: core.getInput("model"),
      limit: core.getInput("limit"),
      tier: core.getInput("tier"),
      metricPattern: core.getInput("metric-pattern", { trimWhitespace: false }),
      exitCode: core.getInput("exit-code"),
      scoreCode: core.getInput("score-code"),
      scoreTokens: core.getInput("score-tokens"),
      scoreTokenizer: core.getInput("score-tokenizer"),
      scoreResult: core.getInput("score-result"),
      scorePython: core.getInput("score-python"),
      scoreDevice: core.getInput("score-device"),
      scoreTimeout: core.getInput("score-timeout"),
      scoreMaxTokens: core.getInput("score-max-tokens"),
      scoreTolerance: core.getInput("score-tolerance"),
      scoreEnv: core.getMultilineInput("score-env"),
    };
    const { inputs, errors } = readActionInputs(raw);
    const result =
      errors.length > 0 ? crashResult(raw, inputs.tier, errors.join("; ")) : await measureRun(inputs, raw);
    await report(result);
    return result;
  } catch (error) {
    // A bug or an unwritable runner, not a property of the run: say so plainly.
    core.setFailed(
      `caddie: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return null;
  }
}

async function report(result: ActionResult): Promise<void> {
  const file = resultPath(process.env);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);

  core.setOutput("val_bpb", result.val_bpb === null ? "" : String(result.val_bpb));
  core.setOutput("claimed_val_bpb", result.claimed_val_bpb === null ? "" : String(result.claimed_val_bpb));
  core.setOutput("flags", result.flags.map((f) => f.code).join(","));
  core.setOutput("artifact_bytes", result.artifact === null ? "" : String(result.artifact.artifact_bytes));
  core.setOutput("status", result.status);
  core.setOutput("result", file);

  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderActionSummary(result), true).write();
  core.info(
    `caddie: ${result.tier} tier ${result.status}: val_bpb ${result.val_bpb ?? "-"}, ` +
      `artifact ${result.artifact?.artifact_bytes ?? "-"} bytes; result ${file}`,
  );

  if (result.artifact?.mismatch)
    core.warning(redactSecrets(result.artifact.reason), {
      title: "caddie: the log's size line disagrees",
    });
  if (result.status === "crash") {
    core.error(redactSecrets(result.error ?? "the run crashed"), { title: "caddie: run crashed" });
    process.exitCode = core.ExitCode.Failure;
  } else if (result.status === "over_limit") {
    core.error(redactSecrets(result.error ?? "artifact over the limit"), {
      title: "caddie: artifact over the limit",
    });
    process.exitCode = core.ExitCode.Failure;
  } else if (result.status === "flagged") {
    core.error(redactSecrets(result.error ?? "flagged"), {
      title: "caddie: flagged, never kept automatically",
    });
    process.exitCode = core.ExitCode.Failure;
  }
}

/** One JSON file per step: $RUNNER_TEMP/caddie/<step id>.json (temp dir outside a runner). */
function resultPath(env: NodeJS.ProcessEnv): string {
  const base = env.RUNNER_TEMP || os.tmpdir();
  const step = (env.GITHUB_ACTION || "result").replace(/[^A-Za-z0-9_.-]/g, "_");
  return path.join(base, "caddie", `${step}.json`);
}
