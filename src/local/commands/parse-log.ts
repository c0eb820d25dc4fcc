import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseRunLog, type RunLogSummary } from "../../core/parse-run-log.ts";
import { UserError } from "../../core/user-error.ts";
import type { Command } from "./command.ts";

// More replacement characters than this share of the text means the bytes were not UTF-8 text.
const MAX_UNDECODABLE_SHARE = 0.01;

/** Reads a log as text, refusing what cannot be one: missing, empty, or binary. */
async function readLogText(file: string, shown: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new UserError(`log file not found: ${shown}`);
    if (code === "EISDIR") throw new UserError(`${shown} is a directory, not a log file`);
    throw new UserError(`cannot read log file ${shown}: ${(error as Error).message}`);
  }
  if (bytes.length === 0) throw new UserError(`log file is empty: ${shown} (did the run start?)`);
  if (bytes.includes(0)) throw new UserError(`${shown} is not a text log (it contains NUL bytes)`);
  const text = bytes.toString("utf8");
  let undecodable = 0;
  for (let at = text.indexOf("\uFFFD"); at >= 0; at = text.indexOf("\uFFFD", at + 1)) undecodable++;
  if (undecodable > Math.max(8, text.length * MAX_UNDECODABLE_SHARE)) {
    throw new UserError(`${shown} is not a text log (it is not UTF-8 text)`);
  }
  if (text.trim() === "") throw new UserError(`log file is empty: ${shown} (only whitespace)`);
  return text;
}

function exitCodeOption(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^-?\d+$/.test(value.trim()))
    throw new UserError(`--exit-code must be a whole number, got '${value}'`);
  return Number(value);
}

function human(summary: RunLogSummary): string {
  const lines: string[] = [];
  if (summary.status === "ok") {
    const loss = summary.val_loss === null ? "" : `, val_loss ${summary.val_loss}`;
    lines.push(`ok: val_bpb ${summary.val_bpb} (${summary.metric})${loss}`);
  } else {
    lines.push(`crash: ${summary.error}`);
  }
  const facts: string[] = [];
  const group = (n: number) => n.toLocaleString("en-US");
  if (summary.artifact_bytes !== null)
    facts.push(`artifact ${group(summary.artifact_bytes)} bytes (from the log)`);
  if (summary.steps !== null)
    facts.push(`${group(summary.steps)} steps${summary.stopping_early ? " (wall-clock cap)" : ""}`);
  if (summary.train_time_ms !== null) facts.push(`train time ${(summary.train_time_ms / 1000).toFixed(1)} s`);
  if (summary.peak_memory_mib !== null) facts.push(`peak memory ${group(summary.peak_memory_mib)} MiB`);
  if (summary.model_params !== null) facts.push(`${group(summary.model_params)} parameters`);
  if (facts.length > 0) lines.push(facts.join(", "));
  return `${lines.join("\n")}\n`;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        "exit-code": { type: "string" },
        "metric-pattern": { type: "string" },
        json: { type: "boolean", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util's messages name the bad flag; a UserError prints them without a stack trace.
    throw new UserError(error instanceof Error ? error.message : String(error));
  }
}

export const parseLogCommand: Command = {
  name: "parse-log",
  summary: "read a train_gpt.py log: final val_bpb, artifact size, steps, crash or not",
  usage: `caddie parse-log FILE [--exit-code N] [--metric-pattern RE] [--json]

  Reads the log of one training run. The score is the run's last final evaluation (round trip, sliding
  window, test-time training: whatever the script evaluates last); periodic, diagnostic, pre-quantization
  and warm-up lines never count, and timestamps or logger prefixes are ignored. 'metric' names the line.
  --exit-code N       the run's exit status; non-zero makes it a crash
  --metric-pattern RE regex whose first group (or group 'bpb') is the score, overriding the rule
  --json              print one JSON object (status, val_bpb, val_loss, metric, artifact_bytes, ...)
  Exits 0 whenever the log was read: a crash is reported as status "crash", not as an exit code.`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args);
    if (positionals.length !== 1) {
      throw new UserError(`expected one log file, got ${positionals.length}: caddie parse-log FILE [--json]`);
    }
    const file = positionals[0] ?? "";
    const exitCode = exitCodeOption(values["exit-code"]);
    const text = await readLogText(path.resolve(io.cwd, file), file);
    const summary = parseRunLog(text, { exitCode, metricPattern: values["metric-pattern"] ?? null });
    if (values.json) {
      // Spelled out so the printed keys are exactly RunLogSummary's, in its order.
      const out: RunLogSummary = {
        status: summary.status,
        val_bpb: summary.val_bpb,
        val_loss: summary.val_loss,
        metric: summary.metric,
        artifact_bytes: summary.artifact_bytes,
        model_params: summary.model_params,
        steps: summary.steps,
        train_time_ms: summary.train_time_ms,
        peak_memory_mib: summary.peak_memory_mib,
        stopping_early: summary.stopping_early,
        error: summary.error,
      };
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      io.stdout(human(summary));
    }
    return 0;
  },
};
