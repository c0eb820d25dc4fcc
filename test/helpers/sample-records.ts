/**
 * Record folders this repository holds (`test/data/records`, README.md + submission JSON written for these
 * tests in the shapes real openai/parameter-golf record folders take, traps included), so competitor and
 * record tests run on a fresh clone. Each stands for one real folder in `../shared/fixtures` and carries its
 * headline numbers, so one test body can run on both.
 */
import path from "node:path";
import { fixture, hasShared, repoRoot } from "./shared.ts";

export const SAMPLE_RECORDS = {
  /** submission.json's val_bpb is the 3-seed mean, with per-seed results and the gain in nats. */
  "mean-of-seeds": {
    sample: "track_10min_16mb/2026-01-10_MeanOfSeeds",
    real: "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611",
  },
  /** val_bpb is the best seed, val_bpb_mean the mean (an unmerged pull request). */
  "best-seed-and-mean": {
    sample: "track_10min_16mb/2026-01-11_BestSeedAndMean",
    real: "PR398_2026-03-21_11L_EMA_TTT20ep_1.1213",
  },
  /** submission.json holds one run; the README lists four runs and their mean. */
  "runs-mean-in-readme": {
    sample: "track_10min_16mb/2026-01-12_RunsMeanInReadme",
    real: "2026-03-17_LoRA_TTT",
  },
  /** The file is submission_ternary.json; per-seed sizes only in the README's table. */
  "ternary-json": {
    sample: "track_10min_16mb/2026-01-13_SubmissionTernaryJson",
    real: "2026-03-24_74M_Ternary_UNet_FP8_10L_8192BPE_YaRN_NeoMuon",
  },
} as const;

export type SampleRecordName = keyof typeof SAMPLE_RECORDS;

export const sampleRecordsDir = path.join(repoRoot, "test", "data", "records");

export interface RecordSource {
  name: string;
  /** The folder holding the record folders. */
  dir: string;
  folder: (record: SampleRecordName) => string;
}

/** The repository's samples always; the real record folders too when ../shared is beside the checkout. */
export const recordSources: RecordSource[] = [
  { name: "the repository's sample records", dir: sampleRecordsDir, folder: (r) => SAMPLE_RECORDS[r].sample },
  ...(hasShared
    ? [
        {
          name: "the real records in ../shared",
          dir: fixture("parameter-golf", "records"),
          folder: (r: SampleRecordName) => SAMPLE_RECORDS[r].real,
        },
      ]
    : []),
];
