import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  LEDGER_COLUMNS,
  foldCell,
  formatLedger,
  ledgerKey,
  parseLedger,
  upsertLedgerRow,
  type LedgerRow,
} from "../../src/core/ledger.ts";
import { UserError } from "../../src/core/user-error.ts";
import { cellFlag, FLAG_CODES, formatFlagsCell } from "../../src/core/flags.ts";

const header = LEDGER_COLUMNS.join("\t");

function row(overrides: Partial<LedgerRow> = {}): LedgerRow {
  return {
    experiment: "exp-0001",
    commit: "abc1234",
    tier: "proxy",
    seed: 1337,
    val_bpb: 1.2243657,
    artifact_bytes: 15863489,
    memory_gb: 10.2,
    seconds: 224.5,
    status: "keep",
    promoted: false,
    cost_usd: null,
    claimed_val_bpb: null,
    flags: [],
    description: "baseline",
    ...overrides,
  };
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error("expected a throw");
}

describe("formatLedger", () => {
  it("writes the header and one tab-separated line per row, empty cells for null", () => {
    const text = formatLedger([row({ seed: null, cost_usd: null, status: "crash", val_bpb: null })]);
    expect(text).toBe(
      `${header}\nexp-0001\tabc1234\tproxy\t\t\t\t15863489\t10.2\t224.5\tcrash\tfalse\t\t\tbaseline\n`,
    );
  });

  it("writes the log's claim beside caddie's score, and the flags in words", () => {
    const flagged = row({
      status: "discard",
      val_bpb: 3.41,
      claimed_val_bpb: 1.7,
      flags: [
        { code: "claim_mismatch", message: "the log claims val_bpb 1.7000, caddie measured 3.4100" },
        { code: "duplicate_score", message: "two final lines | one forged" },
      ],
    });
    const text = formatLedger([flagged]);
    expect(text.split("\n")[1]?.split("\t")).toEqual([
      "exp-0001",
      "abc1234",
      "proxy",
      "1337",
      "3.41",
      "1.7",
      "15863489",
      "10.2",
      "224.5",
      "discard",
      "false",
      "",
      "claim_mismatch: the log claims val_bpb 1.7000, caddie measured 3.4100 | duplicate_score: two final lines / one forged",
      "baseline",
    ]);
    expect(parseLedger(text)[0]?.flags).toEqual([
      { code: "claim_mismatch", message: "the log claims val_bpb 1.7000, caddie measured 3.4100" },
      { code: "duplicate_score", message: "two final lines / one forged" },
    ]);
  });

  it("still reads a results.tsv written before caddie scored runs itself", () => {
    const legacy = [
      "experiment\tcommit\ttier\tseed\tval_bpb\tartifact_bytes\tmemory_gb\tseconds\tstatus\tpromoted\tcost_usd\tdescription",
      "exp-000\tabc1234\tproxy\t1337\t3.147\t123456\t0.5\t20.1\tkeep\tfalse\t\tbaseline",
    ].join("\n");
    const [old] = parseLedger(legacy);
    expect(old).toMatchObject({ experiment: "exp-000", val_bpb: 3.147, claimed_val_bpb: null, flags: [] });
    // Written back, it gains the new columns.
    expect(formatLedger(parseLedger(legacy)).split("\n")[0]).toBe(header);
  });

  it("folds tabs and line breaks in the description into single spaces", () => {
    const text = formatLedger([row({ description: "raise lr\tto 0.05\r\nand warm up\n" })]);
    expect(text.trimEnd().split("\n")).toHaveLength(2);
    expect(parseLedger(text)[0]?.description).toBe("raise lr to 0.05 and warm up");
  });

  it("refuses a non-finite number instead of writing a file it could not read back", () => {
    expect(() => formatLedger([row({ val_bpb: Number.NaN })])).toThrow(/val_bpb is NaN/);
  });

  it("writes quotes as they are, so a description with quotes stays readable TSV", () => {
    const text = formatLedger([row({ description: 'try "SwiGLU" MLP' })]);
    expect(text).toContain('\ttry "SwiGLU" MLP\n');
    expect(parseLedger(text)[0]?.description).toBe('try "SwiGLU" MLP');
  });
});

describe("parseLedger", () => {
  it("reads an empty file and a header-only file as no rows", () => {
    expect(parseLedger("")).toEqual([]);
    expect(parseLedger(`${header}\n`)).toEqual([]);
  });

  it("reads CRLF line endings and skips blank lines", () => {
    const text = formatLedger([row(), row({ experiment: "exp-0002", promoted: true })]).replace(
      /\n/g,
      "\r\n",
    );
    const rows = parseLedger(text.replace("\r\nexp-0002", "\r\n\r\nexp-0002"));
    expect(rows.map((r) => [r.experiment, r.promoted])).toEqual([
      ["exp-0001", false],
      ["exp-0002", true],
    ]);
  });

  it("reads an empty promoted cell as false", () => {
    const line = formatLedger([row()]).replace("\tfalse\t", "\t\t");
    expect(parseLedger(line)[0]?.promoted).toBe(false);
  });

  it("names the line of a row with the wrong number of cells", () => {
    const text = `${header}\n${formatLedger([row()]).split("\n")[1]}\n\nexp-0002\tdef\n`;
    const error = errorOf(() => parseLedger(text));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe("results.tsv line 4: expected 14 tab-separated cells, got 2");
  });

  it("names the line and column of a cell that is not a number", () => {
    const text = formatLedger([row()]).replace("1.2243657", "1.22x");
    expect(errorOf(() => parseLedger(text)).message).toBe(
      'results.tsv line 2: val_bpb must be a number or empty, got "1.22x"',
    );
  });

  it("refuses numbers that Number() would accept but a ledger never holds", () => {
    for (const bad of ["0x10", "Infinity", "1e999"]) {
      const text = formatLedger([row()]).replace("1.2243657", bad);
      expect(() => parseLedger(text)).toThrow(UserError);
    }
  });

  it("refuses a fractional seed or byte count", () => {
    const text = formatLedger([row()]).replace("15863489", "15863489.5");
    expect(errorOf(() => parseLedger(text)).message).toMatch(/artifact_bytes must be an integer or empty/);
  });

  it("names an unknown status and lists the allowed ones", () => {
    const text = formatLedger([row()]).replace("\tkeep\t", "\tkept\t");
    expect(errorOf(() => parseLedger(text)).message).toBe(
      'results.tsv line 2: status must be one of keep, discard, crash, backtrack, got "kept"',
    );
  });

  it("refuses a wrong header on its own line, so an old or foreign file is not misread", () => {
    const text = "\ncommit\tval_bpb\tmemory_gb\tstatus\tdescription\n";
    const error = errorOf(() => parseLedger(text));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(/^results\.tsv line 2: expected the header "experiment\\tcommit/);
  });
});

describe("upsertLedgerRow", () => {
  it("appends a row with a new key and replaces the row with the same key in place", () => {
    const rows = [row(), row({ experiment: "exp-0002" }), row({ experiment: "exp-0003" })];
    const updated = upsertLedgerRow(rows, row({ experiment: "exp-0002", promoted: true }));
    expect(updated.map((r) => [r.experiment, r.promoted])).toEqual([
      ["exp-0001", false],
      ["exp-0002", true],
      ["exp-0003", false],
    ]);
    expect(upsertLedgerRow(rows, row({ experiment: "exp-0004" })).map((r) => r.experiment)).toEqual([
      "exp-0001",
      "exp-0002",
      "exp-0003",
      "exp-0004",
    ]);
  });

  it("keeps seeds and tiers of one experiment as separate rows", () => {
    let rows: LedgerRow[] = [];
    rows = upsertLedgerRow(rows, row({ seed: 1 }));
    rows = upsertLedgerRow(rows, row({ seed: 2 }));
    rows = upsertLedgerRow(rows, row({ seed: 1, tier: "full" }));
    rows = upsertLedgerRow(rows, row({ seed: null }));
    expect(rows).toHaveLength(4);
  });

  it("does not mutate the array it is given", () => {
    const rows = [row()];
    upsertLedgerRow(rows, row({ val_bpb: 1.1 }));
    upsertLedgerRow(rows, row({ experiment: "exp-0009" }));
    expect(rows).toEqual([row()]);
  });
});

describe("ledgerKey", () => {
  it("tells apart keys whose parts would run together", () => {
    expect(ledgerKey({ experiment: "a\t", tier: "b", seed: 1 })).not.toBe(
      ledgerKey({ experiment: "a", tier: "\tb", seed: 1 }),
    );
    expect(ledgerKey({ experiment: "a", tier: "b", seed: null })).not.toBe(
      ledgerKey({ experiment: "a", tier: "b", seed: 0 }),
    );
  });
});

const text = fc.string({ unit: fc.constantFrom("a", "Z", "7", " ", "\t", "\n", "\r", '"', "é", "-", ":") });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null });
const rowFields = {
  experiment: fc.constantFrom("exp-0001", "exp-0002", "exp-0003"),
  commit: text,
  tier: fc.constantFrom("proxy", "full"),
  seed: nullable(fc.constantFrom(1, 2, 1337)),
  val_bpb: nullable(finite),
  artifact_bytes: nullable(fc.integer({ min: 0, max: 2 ** 40 })),
  memory_gb: nullable(finite),
  seconds: nullable(finite),
  status: fc.constantFrom("keep", "discard", "crash", "backtrack"),
  promoted: fc.boolean(),
  cost_usd: nullable(finite),
  claimed_val_bpb: nullable(finite),
  flags: fc.array(fc.record({ code: fc.constantFrom(...FLAG_CODES), message: text }), { maxLength: 3 }),
  description: text,
};
const rowArb: fc.Arbitrary<LedgerRow> = fc.record(rowFields);
const normalized = (r: LedgerRow): LedgerRow => ({
  ...r,
  experiment: foldCell(r.experiment),
  commit: foldCell(r.commit),
  tier: foldCell(r.tier),
  description: foldCell(r.description),
  flags: r.flags.map(cellFlag),
});

/** The cells formatLedger writes for a row, independently of it: empty for null, String() else, text folded. */
const cellsOf = (r: LedgerRow): string[] =>
  LEDGER_COLUMNS.map((column) => {
    const value = r[column];
    if (value === null) return "";
    if (Array.isArray(value)) return foldCell(formatFlagsCell(value));
    return typeof value === "string" ? foldCell(value) : String(value);
  });
// Any text at all, besides the ledger-ish characters above: quotes, separators, controls, astral characters.
const anyText = fc.oneof(text, fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }));
const anyRowArb: fc.Arbitrary<LedgerRow> = fc.record({
  ...rowFields,
  experiment: anyText,
  commit: anyText,
  tier: anyText,
  description: anyText,
});

describe("ledger properties", () => {
  it("writes one line per row and one cell per column, whatever the text holds", () => {
    fc.assert(
      fc.property(fc.array(anyRowArb, { maxLength: 8 }), (rows) => {
        const lines = formatLedger(rows).split("\n");
        expect(lines.pop()).toBe("");
        expect(lines).toEqual([LEDGER_COLUMNS.join("\t"), ...rows.map((r) => cellsOf(r).join("\t"))]);
      }),
      { numRuns: 300 },
    );
  });

  it("reads back what it writes for any text, folded to one line", () => {
    fc.assert(
      fc.property(fc.array(anyRowArb, { maxLength: 8 }), (rows) => {
        expect(parseLedger(formatLedger(rows))).toEqual(rows.map(normalized));
      }),
      { numRuns: 300 },
    );
  });

  it("parses what it formats back to the same rows, text folded to one line", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 8 }), (rows) => {
        expect(parseLedger(formatLedger(rows))).toEqual(rows.map(normalized));
      }),
    );
  });

  it("upserting the same row twice gives what upserting it once gives", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 8 }), rowArb, (rows, extra) => {
        const once = upsertLedgerRow(rows, extra);
        expect(upsertLedgerRow(once, extra)).toEqual(once);
      }),
    );
  });

  it("upsert never loses or reorders the other rows", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 8 }), rowArb, (rows, extra) => {
        const key = ledgerKey(extra);
        const others = (list: LedgerRow[]) => list.filter((r) => ledgerKey(r) !== key);
        const updated = upsertLedgerRow(rows, extra);
        expect(others(updated)).toEqual(others(rows));
        expect(updated).toContain(extra);
      }),
    );
  });
});
