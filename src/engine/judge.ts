/**
 * The keep / discard / crash verdict for a measured experiment against the current ledger: the incumbent
 * is the best kept result on the tier, the threshold max(min_delta, k x sigma of the repeated baselines).
 * One function, so the loop's decision and the App's "would this be kept?" check cannot drift apart.
 */
import type { CaddieConfig } from "../core/config.ts";
import { decide, type Decision } from "../core/decide.ts";
import type { LedgerRow } from "../core/ledger.ts";
import { experimentId } from "./experiment-id.ts";
import { bestKept, keepThreshold } from "./history.ts";
import type { Measurement } from "./measure-outcome.ts";

export function judgeMeasurement(
  rows: LedgerRow[],
  config: CaddieConfig,
  tier: string,
  m: Measurement,
): Decision {
  return decide({
    status: m.summary.status,
    valBpb: m.summary.val_bpb,
    gateOk: m.gate?.ok ?? false,
    error: m.summary.error,
    incumbent: bestKept(rows, tier)?.valBpb ?? null,
    threshold: keepThreshold(rows, config, tier, experimentId(0)),
    artifactBytes: m.gate?.artifact_bytes ?? null,
    limitBytes: m.gate?.limit ?? config.limitBytes,
  });
}
