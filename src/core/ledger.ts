/**
 * results.tsv: one row per run, the loop's scoreboard and audit trail. Written and read only here, so the
 * writer and the reader cannot drift. The file is plain TSV without quoting (karpathy/autoresearch's form):
 * `cut`, `grep` and spreadsheets read it as is, which is why every cell is folded to one line without tabs.
 * Files written before `claimed_val_bpb` and `flags` existed still read (those cells come back empty).
 */
import { parse } from "csv-parse/sync";
import { formatFlagsCell, parseFlagsCell, type Flag } from "./flags.ts";
import { UserError } from "./user-error.ts";

export type RunStatus = "keep" | "discard" | "crash" | "backtrack";

export interface LedgerRow {
  /** Experiment id (e.g. "exp-0007"); with tier and seed it forms the row's key. */
  experiment: string;
  commit: string;
  /** "proxy", "full", ... */
  tier: string;
  seed: number | null;
  /** caddie's own score of the model (src/core/score-result.ts); null when it has none. */
  val_bpb: number | null;
  /** What the run's log claims; compared, never trusted. */
  claimed_val_bpb: number | null;
  artifact_bytes: number | null;
  memory_gb: number | null;
  seconds: number | null;
  status: RunStatus;
  promoted: boolean;
  cost_usd: number | null;
  /** Why the run cannot be trusted (src/core/flags.ts); empty for a clean run. */
  flags: Flag[];
  description: string;
}

/** The header row, in file order. */
export const LEDGER_COLUMNS = [
  "experiment",
  "commit",
  "tier",
  "seed",
  "val_bpb",
  "claimed_val_bpb",
  "artifact_bytes",
  "memory_gb",
  "seconds",
  "status",
  "promoted",
  "cost_usd",
  "flags",
  "description",
] as const satisfies readonly (keyof LedgerRow)[];

type Column = (typeof LEDGER_COLUMNS)[number];

/** The header before caddie scored runs itself: still read, never written. */
const LEGACY_COLUMNS: readonly Column[] = LEDGER_COLUMNS.filter(
  (column) => column !== "claimed_val_bpb" && column !== "flags",
);

/** Each column's position in a row of a file with this header; -1 when the file has no such column. */
function positions(header: readonly Column[]): Record<Column, number> {
  return Object.fromEntries(LEDGER_COLUMNS.map((column) => [column, header.indexOf(column)])) as Record<
    Column,
    number
  >;
}
const HEADERS = [LEDGER_COLUMNS, LEGACY_COLUMNS].map((columns) => ({ columns, at: positions(columns) }));
const STATUSES: readonly RunStatus[] = ["keep", "discard", "crash", "backtrack"];
const INTEGER_COLUMNS = new Set<string>(["seed", "artifact_bytes"]);
// Plain decimal or exponent notation only: Number() alone would also accept "0x1f", " " and "Infinity".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** The idempotency key of a row: one row per experiment, tier and seed. */
export function ledgerKey(row: Pick<LedgerRow, "experiment" | "tier" | "seed">): string {
  // JSON keeps the key unambiguous whatever characters the parts hold.
  return JSON.stringify([row.experiment, row.tier, row.seed]);
}

/** Folds a cell to one line: tabs and line breaks would split the row or the cell. */
export function foldCell(text: string): string {
  return text.replace(/[\t\r\n\v\f]+/g, " ").trim();
}

/** Parses results.tsv. Blank lines are skipped; a bad header or row throws a UserError naming its line. */
export function parseLedger(text: string): LedgerRow[] {
  // One record per line (no quoting), so record i is line i + 1; CRLF is normalized first because the
  // parser picks one line ending for the whole file.
  const records = parse(text.replace(/\r\n?/g, "\n"), {
    delimiter: "\t",
    quote: false,
    relax_column_count: true,
    skip_empty_lines: false,
  });
  const rows: LedgerRow[] = [];
  let header: (typeof HEADERS)[number] | null = null;
  for (let index = 0; index < records.length; index++) {
    const cells = records[index] ?? [];
    const line = index + 1;
    if (isBlank(cells)) continue;
    if (header === null) {
      header = checkHeader(cells, line);
      continue;
    }
    rows.push(parseRow(cells, line, header));
  }
  return rows;
}

/** Renders rows as results.tsv with its header; cells are folded to one line. */
export function formatLedger(rows: LedgerRow[]): string {
  // Every cell is folded to one line (formatCell), so a row is its cells joined by tabs: no quoting needed.
  const records = rows.map((row) => LEDGER_COLUMNS.map((column) => formatCell(row, column)));
  let out = LEDGER_COLUMNS.join("\t") + "\n";
  for (const cells of records) out += cells.join("\t") + "\n";
  return out;
}

/** Replaces the row with the same key in place, or appends it; never mutates `rows`. */
export function upsertLedgerRow(rows: LedgerRow[], row: LedgerRow): LedgerRow[] {
  const key = ledgerKey(row);
  const at = rows.findIndex((existing) => ledgerKey(existing) === key);
  if (at === -1) return [...rows, row];
  return rows.map((existing, index) => (index === at ? row : existing));
}

function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell.trim() !== "") return false;
  return true;
}

function checkHeader(cells: string[], line: number): (typeof HEADERS)[number] {
  const got = cells.map((cell) => cell.trim());
  for (const header of HEADERS)
    if (got.length === header.columns.length && got.every((cell, i) => cell === header.columns[i]))
      return header;
  throw new UserError(
    `results.tsv line ${line}: expected the header "${LEDGER_COLUMNS.join("\\t")}", got "${got.join("\\t")}"`,
  );
}

function parseRow(cells: string[], line: number, header: (typeof HEADERS)[number]): LedgerRow {
  if (cells.length !== header.columns.length) {
    throw new UserError(
      `results.tsv line ${line}: expected ${header.columns.length} tab-separated cells, got ${cells.length}`,
    );
  }
  // Cells by position (from the checked header), with no closure per row: this runs once for every row.
  const COLUMN = header.at;
  const status = cellAt(cells, COLUMN.status);
  if (!isRunStatus(status)) {
    throw new UserError(
      `results.tsv line ${line}: status must be one of ${STATUSES.join(", ")}, got "${status}"`,
    );
  }
  const promoted = cellAt(cells, COLUMN.promoted);
  // An empty cell reads as false: a hand-added row need not fill it in.
  if (promoted !== "true" && promoted !== "false" && promoted !== "") {
    throw new UserError(`results.tsv line ${line}: promoted must be true or false, got "${promoted}"`);
  }
  return {
    experiment: cellAt(cells, COLUMN.experiment),
    commit: cellAt(cells, COLUMN.commit),
    tier: cellAt(cells, COLUMN.tier),
    seed: numberAt(cells, COLUMN, "seed", line),
    val_bpb: numberAt(cells, COLUMN, "val_bpb", line),
    claimed_val_bpb: numberAt(cells, COLUMN, "claimed_val_bpb", line),
    artifact_bytes: numberAt(cells, COLUMN, "artifact_bytes", line),
    memory_gb: numberAt(cells, COLUMN, "memory_gb", line),
    seconds: numberAt(cells, COLUMN, "seconds", line),
    status,
    promoted: promoted === "true",
    cost_usd: numberAt(cells, COLUMN, "cost_usd", line),
    flags: parseFlagsCell(cellAt(cells, COLUMN.flags)),
    description: cellAt(cells, COLUMN.description),
  };
}

function cellAt(cells: string[], at: number): string {
  return at < 0 ? "" : (cells[at] ?? "").trim();
}

function numberAt(cells: string[], at: Record<Column, number>, column: Column, line: number): number | null {
  const text = cellAt(cells, at[column]);
  if (text === "") return null;
  const value = Number(text);
  if (
    !NUMBER.test(text) ||
    !Number.isFinite(value) ||
    (INTEGER_COLUMNS.has(column) && !Number.isInteger(value))
  ) {
    const kind = INTEGER_COLUMNS.has(column) ? "an integer" : "a number";
    throw new UserError(`results.tsv line ${line}: ${column} must be ${kind} or empty, got "${text}"`);
  }
  return value;
}

function formatCell(row: LedgerRow, column: Column): string {
  const value = row[column];
  if (value === null) return "";
  if (Array.isArray(value)) return foldCell(formatFlagsCell(value));
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    // A NaN would be written and then refused on the next read: fail at the writer, where the bug is.
    if (!Number.isFinite(value)) throw new RangeError(`ledger row ${row.experiment}: ${column} is ${value}`);
    return String(value);
  }
  return foldCell(value);
}

function isRunStatus(text: string): text is RunStatus {
  return (STATUSES as readonly string[]).includes(text);
}
