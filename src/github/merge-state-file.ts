/**
 * Three-way merge of one state file, used when a compare-and-swap lost to another writer: our change
 * (base -> ours) is re-applied onto what the other writer left (theirs). Rows and JSON keys merge by key,
 * so two decisions recorded at once both survive; notes.md, free text, keeps our version.
 */
import { ledgerKey, parseLedger, formatLedger, upsertLedgerRow } from "../core/ledger.ts";

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Changed keys of ours (against base) applied onto theirs, recursively; numbers changed on both sides take the larger. */
export function mergeJson(base: unknown, ours: unknown, theirs: unknown): unknown {
  if (JSON.stringify(ours) === JSON.stringify(base)) return theirs;
  if (JSON.stringify(theirs) === JSON.stringify(base)) return ours;
  if (isObject(ours) && isObject(theirs)) {
    const b = isObject(base) ? base : {};
    const out: Record<string, unknown> = { ...theirs };
    for (const key of new Set([...Object.keys(ours), ...Object.keys(b)])) {
      if (!(key in ours)) {
        delete out[key];
        continue;
      }
      out[key] = mergeJson(b[key], ours[key], theirs[key]);
    }
    return out;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    // Append-only lists (handled keys): union, in order.
    const seen = new Set(theirs.map((x) => JSON.stringify(x)));
    return [...theirs, ...ours.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  if (typeof ours === "number" && typeof theirs === "number") return Math.max(ours, theirs);
  return ours;
}

export function mergeLedgerText(base: string | undefined, ours: string, theirs: string | undefined): string {
  if (theirs === undefined || theirs === base) return ours;
  const baseRows = new Map((base ? parseLedger(base) : []).map((r) => [ledgerKey(r), JSON.stringify(r)]));
  let rows = parseLedger(theirs);
  for (const row of parseLedger(ours)) {
    if (baseRows.get(ledgerKey(row)) !== JSON.stringify(row)) rows = upsertLedgerRow(rows, row);
  }
  return formatLedger(rows);
}

export function mergeStateFile(
  path: string,
  base: string | undefined,
  ours: string,
  theirs: string | undefined,
): string {
  if (theirs === undefined || theirs === base) return ours;
  if (path.endsWith(".tsv")) return mergeLedgerText(base, ours, theirs);
  if (path.endsWith(".json")) {
    const parse = (text: string | undefined): unknown => (text === undefined ? {} : JSON.parse(text));
    return `${JSON.stringify(mergeJson(parse(base), parse(ours), parse(theirs)), null, 2)}\n`;
  }
  return ours;
}
