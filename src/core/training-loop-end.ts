/**
 * Whether a line a run printed marks the end of its training loop: the last step of its step budget
 * (`step:100/100 val_loss:...`), or the wall-clock cap's `stopping_early: ... step:N/M` line that the
 * root script and golf_mini print before they evaluate and serialize. What comes after is evaluation,
 * serialization and exit: time in which the slot's next run may start up (tiers.proxy.overlap).
 */
import { cleanLogLine } from "./log-lines.ts";
import { parseProgressLine } from "./parse-progress-line.ts";

export function endsTrainingLoop(line: string): boolean {
  const p = parseProgressLine(line);
  if (p === null) return false;
  if (cleanLogLine(line).trim().startsWith("stopping_early")) return true;
  return p.totalSteps !== null && p.totalSteps > 0 && p.step >= p.totalSteps;
}
