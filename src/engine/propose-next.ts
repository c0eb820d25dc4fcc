/**
 * Step 1 of an experiment: gather what the proposer may read (allow-listed files at the base, notes,
 * results, signals, outside context), ask it for a proposal, and refuse edits outside the allow-list.
 */
import { checkEdits } from "../core/allow-list.ts";
import { assembleContext } from "../core/context.ts";
import { formatLedger } from "../core/ledger.ts";
import { changeOf, couplingRisk } from "./change-of.ts";
import type { LoopDeps } from "./loop-deps.ts";
import { bestKept, signalsFor, tierRows, trials } from "./history.ts";
import { inFlightSection } from "./in-flight.ts";
import type { InFlight, Proposal, ProposeInput } from "./ports.ts";
import { readAllowedFiles } from "./read-allowed-files.ts";

export async function buildProposeInput(
  deps: LoopDeps,
  base: string,
  inFlight: InFlight[] = [],
): Promise<ProposeInput> {
  const tier = deps.tier ?? "proxy";
  const [rows, state, notes] = await Promise.all([
    deps.store.readLedger(),
    deps.store.readState(),
    deps.store.readNotes(),
  ]);
  const files = await readAllowedFiles(deps.forge, base, deps.config.allow);
  const best = bestKept(rows, tier);
  const signals = signalsFor(rows, state, deps.config, tier);
  const signalLines = [
    best
      ? `Incumbent: val_bpb ${best.valBpb} at ${best.commit.slice(0, 7)} (${best.experiment}).`
      : "No incumbent yet.",
    signals.deadEnds.length ? `Dead ends (do not revisit): ${signals.deadEnds.join(", ")}.` : "",
    signals.plateau ? "Plateau: the last runs barely moved the best. Try something structural." : "",
  ].filter(Boolean);
  const context = assembleContext({
    program: deps.program,
    totalBudget: deps.config.agent.contextBudget,
    sections: [
      { title: "Signals", body: signalLines.join("\n") },
      // notes.md and results.tsv quote what runs printed (error lines, flags): data, not instructions.
      { title: "notes.md", body: notes, budget: 5000, untrusted: "caddie's notes; they quote run output" },
      {
        title: "results.tsv (latest rows last)",
        body: formatLedger(tierRows(rows, tier).slice(-40)),
        budget: 3000,
        // Cut from the top when too long: the newest rows matter most.
        keep: "tail",
        untrusted: "caddie's results table; it quotes run output",
      },
      ...(deps.extraContext ?? []),
      ...inFlightSection(inFlight),
    ],
  });
  return {
    files,
    context,
    ledger: rows,
    incumbent: best
      ? {
          valBpb: best.valBpb,
          commit: best.commit,
          config: state.experiments[best.experiment]?.config ?? null,
        }
      : null,
    deadEnds: signals.deadEnds,
    plateau: signals.plateau,
    trials: trials(rows, state, tier),
    inFlight,
  };
}

export async function proposeNext(
  deps: LoopDeps,
  base: string,
  signal?: AbortSignal,
  inFlight: InFlight[] = [],
): Promise<Proposal> {
  const input = await buildProposeInput(deps, base, inFlight);
  const proposal = await deps.proposer.propose(input, signal);
  checkEdits(proposal.edits, deps.config.allow);
  return withStatedRisk(deps, proposal, input.files);
}

/**
 * Whoever proposed it, a budget-coupled change says so in its stated risk (the PR body, the commit, the
 * notes), read from the diff itself.
 */
export function withStatedRisk(deps: LoopDeps, proposal: Proposal, files: Record<string, string>): Proposal {
  const after = { ...files, ...Object.fromEntries(proposal.edits.map((e) => [e.path, e.content])) };
  const risk = couplingRisk(deps.config, changeOf(deps.config, files, after).coupling);
  if (!risk || proposal.reasoning.risk.includes(risk)) return proposal;
  const stated = proposal.reasoning.risk.trim();
  return { ...proposal, reasoning: { ...proposal.reasoning, risk: stated ? `${stated} ${risk}` : risk } };
}
