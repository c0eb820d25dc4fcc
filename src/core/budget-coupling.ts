/**
 * Budget-coupled changes: changes to knobs whose meaning depends on how long the run is (warm-down,
 * warm-up, iterations, schedule fractions, the schedule code itself). On a short proxy such a knob means
 * something else than in the full run: openai/parameter-golf's root script times its warm-down in
 * wall-clock, so at a 30 s proxy (~83 steps) WARMDOWN_ITERS 1200 scales the learning rate to ~0.06 from the
 * first step, and 1200 -> 200 "wins" by undoing a distortion the proxy itself made. Such a change is never
 * kept on the proxy alone (see confirmation-budget.ts).
 *
 * Found two ways, so neither a new name nor new code slips through:
 * - by name: settings matching the configured patterns (DEFAULT_BUDGET_PATTERNS);
 * - from the script's own schedule code: whole-number settings that a schedule function (a `def` whose
 *   name says lr, schedule, warm, decay, anneal or momentum) reads, e.g. `args.warmdown_iters` in lr_mul.
 * A change is coupled when it changes such a setting's default, edits a schedule function, or changes a
 * line that uses such a setting.
 */
import { readHyperparameters, type Hyperparameter } from "./hyperparameters.ts";

/** Setting-name patterns (case-insensitive regular expressions) that mean run length. */
export const DEFAULT_BUDGET_PATTERNS: readonly string[] = [
  "WARM_?UP",
  "WARM_?DOWN",
  "COOL_?DOWN",
  "^ITERATIONS$",
  "_ITERS$",
  "SCHEDULE",
  "_FRAC(TION)?$",
  "DECAY_STEPS",
  "^(TRAIN_|TOTAL_|NUM_|MAX_)?STEPS$",
  "MAX_WALLCLOCK",
];

const SCHEDULE_FUNCTION = /^(\s*)def\s+(\w*(?:lr|sched|warm|decay|anneal|momentum)\w*)\s*\(/i;

export interface KnobChange {
  name: string;
  from: string | null;
  to: string | null;
}

export interface BudgetCoupling {
  coupled: boolean;
  /** Coupled settings whose default changed. */
  changes: KnobChange[];
  /** Schedule functions whose code changed. */
  scheduleCode: string[];
  /** Coupled settings used by a changed line outside the settings block and schedule functions. */
  usedBy: string[];
  /** Whole-number values (> 1) of the changed coupled settings, read as lengths in steps. */
  stepValues: number[];
  /** One sentence for the stated risk, the analysis and the verdict; empty when not coupled. */
  reason: string;
}

export function budgetCoupling(
  before: string,
  after: string,
  patterns: readonly string[] = DEFAULT_BUDGET_PATTERNS,
): BudgetCoupling {
  const regexes = patterns.map((p) => new RegExp(p, "i"));
  const was = readHyperparameters(before);
  const now = readHyperparameters(after);
  const coupled = new Map<string, Hyperparameter>();
  for (const [source, settings] of [
    [before, was],
    [after, now],
  ] as const) {
    const bodies = scheduleFunctions(source);
    for (const h of settings) {
      const byName = regexes.some((r) => r.test(h.name));
      const bySchedule =
        h.type === "int" &&
        [...bodies.values()].some((body) => usesName(body, h.variable) || usesName(body, h.name));
      if (byName || bySchedule) coupled.set(h.name, h);
    }
  }
  const oldValues = new Map(was.map((h) => [h.name, h.value]));
  const newValues = new Map(now.map((h) => [h.name, h.value]));
  const changes: KnobChange[] = [];
  for (const name of coupled.keys()) {
    const from = oldValues.get(name) ?? null;
    const to = newValues.get(name) ?? null;
    if (from !== to) changes.push({ name, from, to });
  }
  const oldBodies = scheduleFunctions(before);
  const newBodies = scheduleFunctions(after);
  const scheduleCode = [...new Set([...oldBodies.keys(), ...newBodies.keys()])].filter(
    (name) => oldBodies.get(name) !== newBodies.get(name),
  );
  const usedBy = usesInChangedLines(before, after, [...coupled.values()]);
  const stepValues = changes
    .flatMap((c) => [c.from, c.to])
    .map((v) => Number(v))
    .filter((v) => Number.isInteger(v) && v > 1);
  const parts = [
    ...changes.map((c) => `${c.name} ${c.from ?? "(none)"} -> ${c.to ?? "(none)"}`),
    ...scheduleCode.map((name) => `the schedule code (${name})`),
    ...(usedBy.length ? [`code that uses ${usedBy.join(", ")}`] : []),
  ];
  const isCoupled = parts.length > 0;
  return {
    coupled: isCoupled,
    changes,
    scheduleCode,
    usedBy,
    stepValues,
    reason: isCoupled
      ? `budget-coupled: ${parts.join("; ")} depends on the run's length, so a short proxy can reward undoing its own distortion`
      : "",
  };
}

/** The bodies of the script's schedule functions, by name (lines indented under the `def`). */
function scheduleFunctions(source: string): Map<string, string> {
  const lines = source.split("\n");
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const m = SCHEDULE_FUNCTION.exec(lines[i] ?? "");
    if (!m) continue;
    const indent = (m[1] ?? "").length;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trim() !== "" && line.search(/\S/) <= indent) break;
      body.push(line);
    }
    out.set(m[2] ?? "", body.join("\n").trim());
  }
  return out;
}

function usesName(text: string, name: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).test(text);
}

/** Coupled settings named on added or removed lines that are neither setting lines nor schedule code. */
function usesInChangedLines(before: string, after: string, coupled: Hyperparameter[]): string[] {
  const count = (text: string) => {
    const counts = new Map<string, number>();
    for (const line of text.split("\n")) counts.set(line, (counts.get(line) ?? 0) + 1);
    return counts;
  };
  const a = count(before);
  const b = count(after);
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter(
    (line) => a.get(line) !== b.get(line) && readHyperparameters(line).length === 0,
  );
  return coupled
    .filter((h) => changed.some((line) => usesName(line, h.variable) || usesName(line, h.name)))
    .map((h) => h.name);
}
