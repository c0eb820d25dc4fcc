import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  packageRecord,
  recordFolderName,
  type PackageRecordOptions,
} from "../../src/local/package-record.ts";
import { UserError } from "../../src/core/user-error.ts";
import { logSources, type LogSource } from "../helpers/sample-logs.ts";
import { fixture, hasShared, sharedMissing } from "../helpers/shared.ts";

const RECORDS = () => fixture("parameter-golf", "records");

/**
 * Seed logs made from a baseline log: its seed line and final score lines replaced, everything else
 * (format, sizes, the 47,642-byte code size) as the script printed it.
 */
async function seedLogs(source: LogSource, dir: string, runs: SeedRun[]): Promise<string[]> {
  const base = await readFile(source.path("full-baseline"), "utf8");
  const files: string[] = [];
  for (const r of runs) {
    const text = base
      .replace(/^seed:1337$/m, `seed:${r.seed}`)
      .replace(
        /^final_int8_zlib_roundtrip_exact .*$/m,
        `final_int8_zlib_roundtrip_exact val_loss:${r.loss.toFixed(8)} val_bpb:${r.bpb.toFixed(8)}`,
      )
      .replace(
        /^Total submission size int8\+zlib: \d+ bytes$/m,
        `Total submission size int8+zlib: ${r.bytes ?? 15863489} bytes`,
      );
    const file = path.join(dir, `run-${r.seed}.txt`);
    await writeFile(file, text);
    files.push(file);
  }
  return files;
}

interface SeedRun {
  seed: number;
  loss: number;
  bpb: number;
  bytes?: number;
}

async function setup(
  source: LogSource,
  runs: SeedRun[] = [
    { seed: 1337, loss: 2.0727, bpb: 1.2244 },
    { seed: 42, loss: 2.0712, bpb: 1.2235 },
    { seed: 2025, loss: 2.0741, bpb: 1.2252 },
  ],
): Promise<{ dir: string; options: PackageRecordOptions }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "caddie-package-"));
  await writeFile(path.join(dir, "train_gpt.py"), "#".repeat(47_642));
  const logs = await seedLogs(source, dir, runs);
  return {
    dir,
    options: {
      name: "Warmdown fix (v2)",
      author: "Ada Lovelace",
      githubId: "ada-l",
      logs,
      code: path.join(dir, "train_gpt.py"),
      outDir: path.join(dir, "pg"),
      date: "2026-05-02",
    },
  };
}

describe("recordFolderName", () => {
  it("turns a title into the YYYY-MM-DD_Name form", () => {
    expect(recordFolderName("2026-05-02", "11L XSA + LQER (v2)")).toBe("2026-05-02_11L_XSA_LQER_v2");
    expect(() => recordFolderName("2026-05-02", "+++")).toThrow(UserError);
  });
});

describe.each(logSources)("packageRecord on $name", (source) => {
  it("writes README.md, submission.json, one log per seed and train_gpt.py", async () => {
    const { dir, options } = await setup(source);
    const record = await packageRecord(options);
    expect(record.dir).toBe(
      path.join(dir, "pg", "records", "track_10min_16mb", "2026-05-02_Warmdown_fix_v2"),
    );
    expect((await readdir(record.dir)).sort()).toEqual(
      [
        "README.md",
        "submission.json",
        "train_gpt.py",
        "train_seed1337.log",
        "train_seed2025.log",
        "train_seed42.log",
      ].sort(),
    );
    expect(await readFile(path.join(record.dir, "train_seed42.log"))).toEqual(
      await readFile(options.logs[1] ?? ""),
    );
    expect(await readFile(path.join(record.dir, "train_gpt.py"))).toEqual(await readFile(options.code));
    // Nothing else left in the track folder (the temporary folder was renamed into place).
    expect(await readdir(path.dirname(record.dir))).toEqual(["2026-05-02_Warmdown_fix_v2"]);

    const sub = JSON.parse(await readFile(path.join(record.dir, "submission.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const bpbs = [1.2244, 1.2235, 1.2252];
    const m = bpbs.reduce((acc, x) => acc + x, 0) / bpbs.length;
    const sd = Math.sqrt(bpbs.reduce((acc, x) => acc + (x - m) ** 2, 0) / 2);
    expect(sub).toMatchObject({
      author: "Ada Lovelace",
      github_id: "ada-l",
      name: "Warmdown fix (v2)",
      date: "2026-05-02",
      track: "10min_16mb",
      seeds: [1337, 42, 2025],
      bytes_code: 47642,
      bytes_total: 15863489,
      artifact_bytes_max: 15863489,
      train_steps_mean: 13780,
    });
    expect(sub.val_bpb).toBeCloseTo(m, 8);
    expect(sub.val_bpb_std).toBeCloseTo(sd, 8);
    expect(sub.val_loss).toBeCloseTo((2.0727 + 2.0712 + 2.0741) / 3, 8);
    expect(sub.seed_results).toEqual({
      "1337": {
        val_loss: 2.0727,
        val_bpb: 1.2244,
        artifact_bytes: 15863489,
        steps: 13780,
        step_avg_ms: 43.54,
      },
      "42": { val_loss: 2.0712, val_bpb: 1.2235, artifact_bytes: 15863489, steps: 13780, step_avg_ms: 43.54 },
      "2025": {
        val_loss: 2.0741,
        val_bpb: 1.2252,
        artifact_bytes: 15863489,
        steps: 13780,
        step_avg_ms: 43.54,
      },
    });

    const readme = await readFile(path.join(record.dir, "README.md"), "utf8");
    expect(readme.split("\n")[0]).toBe(
      `# Record: Warmdown fix (v2) — val_bpb ${String(sub.val_bpb)} (3-seed mean)`,
    );
    expect(readme).toContain("| 42 | 13,780 | 43.54 | 2.0712 | 1.2235 | 15,863,489 |");
    expect(readme).toContain("SEED=<seed> torchrun --standalone --nproc_per_node=8 train_gpt.py");
  });

  it("adds the deltas and the record rule's verdict when given the score to beat", async () => {
    const { options } = await setup(source, [
      { seed: 1, loss: 2.0101, bpb: 1.19 },
      { seed: 2, loss: 2.0118, bpb: 1.191 },
      { seed: 3, loss: 2.0084, bpb: 1.189 },
    ]);
    const record = await packageRecord({ ...options, against: 1.2244 });
    expect(record.verdict?.ready).toBe(true);
    expect(record.submission.delta_vs_leaderboard_bpb).toBeCloseTo(1.19 - 1.2244, 8);
    expect(record.submission.p_value).toBeLessThan(0.01);
    const readme = await readFile(path.join(record.dir, "README.md"), "utf8");
    expect(readme).toContain("## Significance");
    expect(readme).toContain("The record rule asks for at least 0.005 nats at p < 0.01: met");
  });

  it("never overwrites an existing folder", async () => {
    const { options } = await setup(source);
    const first = await packageRecord(options);
    const before = await readFile(path.join(first.dir, "submission.json"), "utf8");
    await expect(packageRecord({ ...options, blurb: "again" })).rejects.toThrow(/already exists/);
    expect(await readFile(path.join(first.dir, "submission.json"), "utf8")).toBe(before);
    expect(await readdir(path.dirname(first.dir))).toEqual([path.basename(first.dir)]);
  });

  it("refuses a crashed log", async () => {
    const { options } = await setup(source);
    const crashed = source.path("crash-bad-heads");
    await expect(packageRecord({ ...options, logs: [...options.logs, crashed] })).rejects.toThrow(
      `${path.basename(crashed)}: not a finished run`,
    );
  });

  it("refuses logs written by a different train_gpt.py", async () => {
    const { dir, options } = await setup(source);
    await writeFile(path.join(dir, "other.py"), "print('hi')\n");
    await expect(packageRecord({ ...options, code: path.join(dir, "other.py") })).rejects.toThrow(
      /was written by a train_gpt\.py of 47642 bytes, but --code is 12 bytes/,
    );
  });

  it("refuses a repeated seed and an artifact over the cap", async () => {
    const repeated = await setup(source, [
      { seed: 7, loss: 2.07, bpb: 1.22 },
      { seed: 7, loss: 2.071, bpb: 1.221 },
    ]);
    await expect(packageRecord(repeated.options)).rejects.toThrow(/seed 7 appears twice/);
    const big = await setup(source, [{ seed: 7, loss: 2.07, bpb: 1.22, bytes: 16_000_001 }]);
    await expect(packageRecord({ ...big.options, track: "non_record_16mb" })).rejects.toThrow(
      /artifact 16000001 bytes is over the 16000000-byte cap/,
    );
  });

  it("refuses a date that does not exist and a bad GitHub id", async () => {
    const { options } = await setup(source);
    await expect(packageRecord({ ...options, date: "2026-02-30" })).rejects.toThrow(
      /--date must be a real YYYY-MM-DD/,
    );
    await expect(packageRecord({ ...options, githubId: "not a user" })).rejects.toThrow(/--github-id/);
  });
});

describe.skipIf(!hasShared)(hasShared ? "packageRecord against the real records" : sharedMissing, () => {
  it("uses only fields that real records' submission.json files use", async () => {
    const allowed = new Set(["p_value", "t_statistic", "welch_df"]); // parameter-golf.md 5.2
    const seedFields = new Set<string>();
    for (const folder of await readdir(RECORDS())) {
      for (const file of (await readdir(path.join(RECORDS(), folder))).filter((f) =>
        /^submission.*\.json$/.test(f),
      )) {
        const doc = JSON.parse(await readFile(path.join(RECORDS(), folder, file), "utf8")) as Record<
          string,
          unknown
        >;
        Object.keys(doc).forEach((k) => allowed.add(k));
        const seeds = doc.seed_results;
        if (seeds && typeof seeds === "object")
          Object.values(seeds).forEach((r) => Object.keys(r as object).forEach((k) => seedFields.add(k)));
      }
    }
    const { options } = await setup(logSources[0] as LogSource);
    const record = await packageRecord({ ...options, against: 1.2244 });
    expect(Object.keys(record.submission).filter((k) => !allowed.has(k))).toEqual([]);
    const perSeed = Object.values(record.submission.seed_results as Record<string, object>)[0] ?? {};
    expect(Object.keys(perSeed).filter((k) => !seedFields.has(k))).toEqual([]);
  });
});
