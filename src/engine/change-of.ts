/**
 * What kind of change an experiment is, from its allow-listed files before and after: budget-coupled or
 * not (src/core/budget-coupling.ts) and its class for the tier correlation (src/core/change-class.ts).
 * Read from the diff itself, so it holds whoever wrote the change (Claude, the sweep, a fix).
 */
import { budgetCoupling, type BudgetCoupling } from "../core/budget-coupling.ts";
import { changeClass, type ChangeClass } from "../core/change-class.ts";
import type { CaddieConfig } from "../core/config.ts";

export interface ChangeKind {
  coupling: BudgetCoupling;
  changeClass: ChangeClass;
}

/** `before` and `after` map each allow-listed path to its content (absent: the file does not exist). */
export function changeOf(
  config: CaddieConfig,
  before: Record<string, string>,
  after: Record<string, string>,
): ChangeKind {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (p) => before[p] !== after[p],
  );
  const parts = paths.map((p) => {
    const [a, b] = [before[p] ?? "", after[p] ?? ""];
    const coupling = budgetCoupling(a, b, config.confirm.patterns);
    return { coupling, changeClass: changeClass(a, b, coupling) };
  });
  const coupled = parts.filter((p) => p.coupling.coupled).map((p) => p.coupling);
  const coupling: BudgetCoupling = {
    coupled: coupled.length > 0,
    changes: coupled.flatMap((c) => c.changes),
    scheduleCode: coupled.flatMap((c) => c.scheduleCode),
    usedBy: coupled.flatMap((c) => c.usedBy),
    stepValues: coupled.flatMap((c) => c.stepValues),
    reason: coupled.map((c) => c.reason).join("; "),
  };
  const classes = [...new Set(parts.map((p) => p.changeClass).filter((c) => c !== "none"))];
  const kind: ChangeClass = coupling.coupled
    ? "schedule"
    : classes.length === 0
      ? "none"
      : classes.length === 1
        ? (classes[0] ?? "code")
        : "mixed";
  return { coupling, changeClass: kind };
}

/** The sentence a budget-coupled experiment's stated risk ends with. */
export function couplingRisk(config: CaddieConfig, coupling: BudgetCoupling): string {
  if (!coupling.coupled) return "";
  return (
    `${capitalize(coupling.reason)}. Caddie keeps it only if the gain also holds at a longer budget ` +
    `(at least ${config.confirm.factor}x the proxy, up to ${config.confirm.maxFactor}x, long enough that each step-count ` +
    `value is at most ${Math.round(config.confirm.knobShare * 100)}% of the run).`
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
