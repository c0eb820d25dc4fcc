/**
 * The kind of a change, for the tier correlation by class: does the proxy predict longer runs equally well
 * for optimizer settings, model shape, batch shape, the schedule and free code edits? Read from which
 * settings the change touches (by name) and whether it is budget-coupled (always "schedule").
 */
import type { BudgetCoupling } from "./budget-coupling.ts";
import { readHyperparameters } from "./hyperparameters.ts";

export type ChangeClass = "schedule" | "optimizer" | "model" | "batch" | "code" | "mixed" | "none";

const CLASS_PATTERNS: [ChangeClass, RegExp][] = [
  ["optimizer", /LR$|_LR_|MOMENTUM|BETA|EPS|WEIGHT_DECAY|CLIP|MUON|ADAM/i],
  ["model", /DIM|LAYERS|HEADS|MLP|VOCAB|TIE_|ROPE|SOFTCAP|INIT|KV_/i],
  ["batch", /BATCH|SEQ_LEN/i],
];

export function changeClass(before: string, after: string, coupling: BudgetCoupling): ChangeClass {
  if (coupling.coupled) return "schedule";
  const was = new Map(readHyperparameters(before).map((h) => [h.name, h.value]));
  const now = new Map(readHyperparameters(after).map((h) => [h.name, h.value]));
  const changed = [...new Set([...was.keys(), ...now.keys()])].filter((n) => was.get(n) !== now.get(n));
  const classes = new Set<ChangeClass>(
    changed.map((name) => CLASS_PATTERNS.find(([, re]) => re.test(name))?.[0] ?? "code"),
  );
  if (settingFree(before) !== settingFree(after)) classes.add("code");
  if (classes.size === 0) return before === after ? "none" : "code";
  return classes.size === 1 ? ([...classes][0] ?? "code") : "mixed";
}

/** The script without its setting lines: what is left to compare for code edits. */
function settingFree(source: string): string {
  return source
    .split("\n")
    .filter((line) => readHyperparameters(line).length === 0)
    .join("\n");
}
