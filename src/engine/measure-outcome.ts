/**
 * Turns what a run produced into our own measurement: the log parsed by the shared parser, the bytes
 * counted by the shared gate. The training script's own claims are only compared, never trusted.
 */
import { gateArtifact, type ArtifactGateResult } from "../core/artifact-gate.ts";
import { parseRunLog, type RunLogSummary } from "../core/parse-run-log.ts";
import type { RunOutcome } from "./ports.ts";

export interface Measurement {
  summary: RunLogSummary;
  /** Null when the run wrote no model file (a crash). */
  gate: ArtifactGateResult | null;
}

export function measureOutcome(
  outcome: RunOutcome,
  options: { limitBytes: number; metricPattern: string | null },
): Measurement {
  const parsed = parseRunLog(outcome.logText, {
    exitCode: outcome.exitCode,
    metricPattern: options.metricPattern,
  });
  let summary = parsed;
  if (outcome.timedOut) {
    summary = {
      ...parsed,
      status: "crash",
      error: `timed out after ${Math.round(outcome.seconds)} s and was killed`,
    };
  } else if (parsed.status === "ok" && outcome.modelBytes === null) {
    summary = { ...parsed, status: "crash", error: "the run printed a score but wrote no model file" };
  }
  const gate =
    outcome.modelBytes === null
      ? null
      : gateArtifact({
          codeBytes: outcome.codeBytes,
          modelBytes: outcome.modelBytes,
          limit: options.limitBytes,
          logArtifactBytes: parsed.artifact_bytes,
        });
  return { summary, gate };
}

/** The ledger cells a measurement fills: score, our byte count (the log's claim only when unmeasured), memory, time. */
export function measuredRowFields(m: Measurement, seconds: number) {
  return {
    val_bpb: m.summary.val_bpb,
    artifact_bytes: m.gate?.artifact_bytes ?? m.summary.artifact_bytes,
    memory_gb:
      m.summary.peak_memory_mib === null
        ? null
        : Math.round((m.summary.peak_memory_mib / 1024) * 1000) / 1000,
    seconds: Math.round(seconds * 10) / 10,
  };
}
