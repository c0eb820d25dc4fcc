/**
 * Record folders in the shapes that failed before: a README-only seed table with several bpb columns, a
 * table with one column per seed, folders holding only training logs; the track from the folder path.
 * The folders in test/data/records are written for these tests; the real records in ../shared are extras.
 */
import { mkdtemp, copyFile, rm } from "node:fs/promises";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordScore, trackFromFolder } from "../../src/core/record-score.ts";
import { readRecordFolder } from "../../src/research/read-record-folder.ts";
import { competitorSota } from "../../src/research/competitor-sota.ts";
import type { Competitor } from "../../src/research/types.ts";
import { fixture, hasShared, repoRoot, sharedMissing } from "../helpers/shared.ts";

const records = path.join(repoRoot, "test", "data", "records");
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function parse(rel: string) {
  const result = recordScore(await readRecordFolder(path.join(records, rel)));
  if (!result.ok) throw new Error(`${rel}: ${result.reason}`);
  return result.record;
}

describe("record folder shapes (test/data/records)", () => {
  it("takes the last evaluation's column of a README-only seed table with several bpb columns", async () => {
    const r = await parse("track_10min_16mb/2026-01-02_SeedTableOnly");
    expect(r.per_seed.map((s) => [s.seed, s.val_bpb])).toEqual([
      ["42", 1.1221],
      ["1337", 1.1215],
      ["2024", 1.1227],
    ]);
    expect(r.val_bpb).toBeCloseTo(1.1221, 10);
    expect(r.artifact_bytes).toBe(15914002);
    expect(r).toMatchObject({
      seeds: 3,
      track: "10min_16mb",
      source: "README.md per-seed results (mean of 3)",
    });
    expect(r.flags).toEqual(["missing_evidence"]);
  });

  it("reads a table with one column per seed", async () => {
    const r = await parse("track_10min_16mb/2026-01-03_SeedsAsColumns");
    expect(r.per_seed.map((s) => [s.seed, s.val_bpb])).toEqual([
      ["1", 1.125],
      ["2", 1.1262],
      ["3", 1.1238],
    ]);
    expect(r.val_bpb).toBeCloseTo(1.125, 10);
  });

  it("scores a folder with only training logs through the log parser, one seed per log", async () => {
    const r = await parse("track_10min_16mb/2026-01-04_LogOnly");
    expect(r.per_seed.map((s) => [s.seed, s.val_bpb, s.artifact_bytes]).sort()).toEqual([
      ["42", 1.33003333, 3456000],
      ["7", 1.32003333, 3457000],
    ]);
    expect(r.val_bpb).toBeCloseTo((1.33003333 + 1.32003333) / 2, 10);
    expect(r).toMatchObject({
      seeds: 2,
      artifact_bytes: 3457000,
      track: "10min_16mb",
      source: "training logs (log parser, mean of 2)",
    });
    // Logs are evidence; no submission file is still missing evidence.
    expect(r.flags).toEqual(["missing_evidence"]);
  });

  it("scores a README without a score from its one train.log, and reads a non-record track", async () => {
    const r = await parse("track_non_record_16mb/2026-01-05_OneLog");
    expect(r).toMatchObject({
      val_bpb: 1.45004444,
      seeds: 1,
      artifact_bytes: 2345000,
      track: "non_record_16mb",
      source: "training log (log parser)",
    });
    expect(r.flags).toContain("single_seed");
  });

  it("gives the submission file's track precedence over the path, and null when neither names one", () => {
    expect(trackFromFolder("records/track_10min_16mb/2026-03-17_NaiveBaseline")).toBe("10min_16mb");
    expect(trackFromFolder("C:\\\\pg\\\\records\\\\track_10min_16mb\\\\x")).toBe("10min_16mb");
    expect(trackFromFolder("/tmp/2026-03-17_NaiveBaseline")).toBeNull();
    const json = JSON.stringify({ val_bpb: 1.2, track: "non-record-16mb" });
    const r = recordScore({
      folder: "records/track_10min_16mb/x",
      readme: null,
      submissions: [{ name: "submission.json", text: json }],
      files: ["submission.json"],
    });
    expect(r.ok && r.record.track).toBe("non-record-16mb");
  });

  it("flags a score no real run reaches, and such a record is never the SOTA", () => {
    const r = recordScore({
      folder: "records/track_10min_16mb/too-good",
      readme: null,
      submissions: [{ name: "submission.json", text: JSON.stringify({ val_bpb: 0.8748 }) }],
      files: ["submission.json", "train.log"],
    });
    expect(r.ok && r.record.flags).toContain("implausible");
    const entry = { ...(r.ok ? r.record : {}), state: "merged", record_track: true } as unknown as Competitor;
    expect(competitorSota([entry])).toBeNull();
  });

  it("refuses numbers that are no score at all: zero, negative, not finite, absurdly large", () => {
    for (const v of [0, -1.1, "NaN", 1e9, "Infinity"]) {
      const r = recordScore({
        readme: null,
        submissions: [{ name: "submission.json", text: `{"val_bpb": ${JSON.stringify(v)}}` }],
        files: ["submission.json"],
      });
      expect(r.ok, String(v)).toBe(false);
    }
  });
});

describe.skipIf(!hasShared)(`real record folders and logs (${hasShared ? "present" : sharedMissing})`, () => {
  it("scores every real record's README on its own (a README-only folder)", async () => {
    const dir = fixture("parameter-golf", "records");
    for (const name of readdirSync(dir)) {
      const files = await readRecordFolder(path.join(dir, name));
      const alone = recordScore({ readme: files.readme, submissions: [], files: ["README.md"] });
      const full = recordScore(files);
      expect(alone.ok, name).toBe(true);
      if (alone.ok && full.ok)
        expect(Math.abs(alone.record.val_bpb - full.record.val_bpb), name).toBeLessThan(5e-4);
    }
  });

  it("scores a folder holding only a real train.log to the log's recorded value", async () => {
    const logs = fixture("parameter-golf", "logs");
    const recorded: Record<string, number> = {
      "2026-03-17_NaiveBaseline__train.log": 1.2243657,
      "2026-03-19_WarmdownQuantization__train.log": 1.1574404,
      "2026-03-23_LeakyReLU_LegalTTT_ParallelMuon__train_seed42.log": 1.12002032,
      "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611__train_seed42.log": 1.05989454,
    };
    for (const [name, value] of Object.entries(recorded)) {
      const dir = await mkdtemp(path.join(tmpdir(), "caddie-record-"));
      temps.push(dir);
      const folder = path.join(dir, "records", "track_10min_16mb", name.split("__")[0] ?? "x");
      await import("node:fs/promises").then((fs) => fs.mkdir(folder, { recursive: true }));
      await copyFile(path.join(logs, name), path.join(folder, "train.log"));
      const r = recordScore(await readRecordFolder(folder));
      expect(r.ok && r.record.val_bpb, name).toBe(value);
      expect(r.ok && r.record.track, name).toBe("10min_16mb");
    }
  });
});
