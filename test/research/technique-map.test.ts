import { describe, expect, it } from "vitest";
import { BASELINE_TECHNIQUES, techniqueMap, type TechniqueRow } from "../../src/research/technique-map.ts";

const rows: TechniqueRow[] = [
  { experiment: "exp-001", description: "add BigramHash(10240) embedding", status: "keep", val_bpb: 1.2101 },
  { experiment: "exp-002", description: "MATRIX_LR 0.03", status: "discard", val_bpb: 1.215 },
  { experiment: "exp-003", description: "MATRIX_LR 0.05", status: "discard", val_bpb: 1.219 },
  { experiment: "exp-004", description: "SmearGate before the first block", status: "crash", val_bpb: null },
  { experiment: "exp-005", description: "EMA of weights 0.997", status: "discard", val_bpb: 1.212 },
  { experiment: "exp-006", description: "bigger BigramHash table", status: "discard", val_bpb: 1.213 },
  { experiment: "exp-007", description: "swap to SwiGLU", status: "backtrack", val_bpb: 1.2301 },
];

describe("techniqueMap", () => {
  it("sorts techniques into proven, promising and dead end from our own results", () => {
    const map = techniqueMap(rows, []);
    const names = (list: typeof map.proven) => list.map((e) => e.technique);
    expect(names(map.proven)).toEqual(["BigramHash"]);
    expect(names(map.dead_end)).toEqual(["MATRIX_LR"]);
    expect(names(map.promising)).toEqual(["SmearGate", "EMA", "SwiGLU"]);
    expect(map.proven[0]).toMatchObject({
      keeps: 1,
      discards: 1,
      best_val_bpb: 1.2101,
      experiments: ["exp-001", "exp-006"],
    });
    expect(map.dead_end[0]).toMatchObject({ discards: 2, best_val_bpb: 1.215 });
  });

  it("counts the baseline's techniques as proven before any experiment", () => {
    expect(techniqueMap([]).proven.map((e) => e.technique)).toEqual(BASELINE_TECHNIQUES);
  });
});
