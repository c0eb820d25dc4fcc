import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseLedger, type LedgerRow } from "../../core/ledger.ts";
import { renderBudget } from "../../core/render-budget.ts";
import {
  emptySpendLedger,
  estimateFullRun,
  parseSpendLedger,
  spendSummary,
  type SpendLedger,
} from "../../core/spend-ledger.ts";
import {
  renderTierCorrelation,
  scalePromotionThreshold,
  tierCorrelation,
} from "../../core/tier-correlation.ts";
import { UserError } from "../../core/user-error.ts";
import { readTextIfExists } from "../../io/files.ts";
import { loadConfig } from "../load-config.ts";
import type { Command } from "./command.ts";

/** The spend ledger's file in a state folder. */
export const SPEND_FILE = "spend.json";

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        "state-dir": { type: "string" },
        config: { type: "string" },
        json: { type: "boolean", default: false },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new UserError(error instanceof Error ? error.message : String(error));
  }
}

async function readSpend(dir: string): Promise<SpendLedger> {
  const file = path.join(dir, SPEND_FILE);
  const text = await readTextIfExists(file);
  if (text === null) return emptySpendLedger();
  try {
    return parseSpendLedger(text);
  } catch (error) {
    throw new UserError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** results.tsv of the state folder and of each run folder in it (`.caddie/<tag>/results.tsv`). */
async function readRows(dir: string): Promise<LedgerRow[]> {
  const files = [path.join(dir, "results.tsv")];
  try {
    for (const entry of await readdir(dir, { withFileTypes: true }))
      if (entry.isDirectory()) files.push(path.join(dir, entry.name, "results.tsv"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const rows: LedgerRow[] = [];
  for (const file of files.sort()) {
    const text = await readTextIfExists(file);
    if (text === null) continue;
    try {
      rows.push(...parseLedger(text));
    } catch (error) {
      throw new UserError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return rows;
}

export const budgetCommand: Command = {
  name: "budget",
  summary: "show paid-run credits, spending, reservations and the proxy/full tier correlation",
  usage: `caddie budget [--state-dir DIR] [--config FILE] [--json]

  Reads the spend ledger (DIR/${SPEND_FILE}) and results.tsv (DIR and each run folder in it); the budget
  policy and the full tier's price come from the config (.github/caddie.yml, or --config FILE).
  --state-dir DIR  the state folder (default: .caddie in the current directory)
  --json           print the spend summary, the next run's estimate and the tier correlation as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args);
    const dir = path.resolve(io.cwd, values["state-dir"] ?? ".caddie");
    const { config } = await loadConfig(
      io.cwd,
      values.config ? path.resolve(io.cwd, values.config) : undefined,
    );
    const policy = {
      totalUsd: config.budget.totalUsd,
      reserveUsd: config.budget.reserveUsd,
      maxFullRunsPerHour: config.budget.maxFullRunsPerHour,
    };
    const summary = spendSummary(await readSpend(dir), policy, Date.now());
    const next = estimateFullRun(config.tiers.full, 1);
    const rows = await readRows(dir);
    if (values.json) {
      const correlation = tierCorrelation(rows);
      const threshold = scalePromotionThreshold(config.thresholds.promoteGain, correlation);
      io.stdout(
        `${JSON.stringify({ summary, next, correlation, promotionThreshold: threshold }, null, 2)}\n`,
      );
      return 0;
    }
    io.stdout(
      `${renderBudget(summary, { next })}\n${renderTierCorrelation(rows, { baseThreshold: config.thresholds.promoteGain })}`,
    );
    return 0;
  },
};
