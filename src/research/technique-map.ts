/**
 * What our own results say about each technique: proven (kept at least once), promising (tried, not yet
 * conclusive), dead end (failed repeatedly, never kept). Techniques are read from experiment descriptions:
 * known Parameter Golf technique names first, then UPPER_CASE hyperparameter names, then the description's
 * leading words.
 */

export interface TechniqueRow {
  experiment: string;
  description: string;
  status: "keep" | "discard" | "crash" | "backtrack";
  val_bpb: number | null;
}

export type TechniqueStatus = "proven" | "promising" | "dead_end";

export interface TechniqueEntry {
  technique: string;
  status: TechniqueStatus;
  keeps: number;
  discards: number;
  crashes: number;
  best_val_bpb: number | null;
  experiments: string[];
}

export interface TechniqueMap {
  proven: TechniqueEntry[];
  promising: TechniqueEntry[];
  dead_end: TechniqueEntry[];
}

/** Two discards (or three failures counting crashes, which say more about the code than the idea). */
export const DEAD_END_DISCARDS = 2;
export const DEAD_END_FAILURES = 3;

/** What the root train_gpt.py already does: proven before any experiment runs. */
export const BASELINE_TECHNIQUES = [
  "Muon optimizer",
  "tied embeddings",
  "GQA (4 KV heads)",
  "relu² MLP",
  "logit softcap",
  "int8 quantization + zlib",
];

const KNOWN: [RegExp, string][] = [
  [/bigram\s*hash/i, "BigramHash"],
  [/smear\s*gate/i, "SmearGate"],
  [/\bxsa\b/i, "XSA"],
  [/\bema\b/i, "EMA"],
  [/\bswa\b/i, "SWA"],
  [/\bqat\b/i, "QAT"],
  [/\bgptq/i, "GPTQ"],
  [/\bttt\b|test[- ]time training/i, "test-time training"],
  [/\blora\b/i, "LoRA"],
  [/sliding[- ]window/i, "sliding-window eval"],
  [/\bint[2-8]\b/i, "low-bit quantization"],
  [/ternary|binary weights|1\.58/i, "ternary/binary weights"],
  [/zstd|brotli|lzma|zlib|compress/i, "compression"],
  [/depth recurrence|recurren|loop layers/i, "depth recurrence"],
  [/parallel resid/i, "parallel residuals"],
  [/partial rope|rope|rotary/i, "RoPE"],
  [/leaky\s*relu/i, "LeakyReLU²"],
  [/swiglu/i, "SwiGLU"],
  [/warmdown/i, "warmdown"],
  [/weight decay|\bwd\b/i, "weight decay"],
  [/orthogonal init|ortho\s*init/i, "OrthoInit"],
  [/u-?net/i, "U-Net skips"],
  [/tokeni[sz]er|vocab/i, "vocabulary"],
  [/seq(?:uence)?[ _-]?len|context length/i, "sequence length"],
];

const STOP = new Set([
  "add",
  "use",
  "try",
  "increase",
  "decrease",
  "raise",
  "lower",
  "set",
  "to",
  "the",
  "a",
  "an",
  "of",
  "with",
  "and",
  "on",
  "in",
  "for",
  "from",
]);

function techniquesOf(description: string): string[] {
  const known = KNOWN.filter(([re]) => re.test(description)).map(([, name]) => name);
  if (known.length) return known;
  const envs = [...new Set(description.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g) ?? [])];
  if (envs.length) return envs;
  const words = description
    .toLowerCase()
    .replace(/[^a-z ]+/g, " ")
    .split(/\s+/)
    .filter((w) => w.length > 1 && !STOP.has(w))
    .slice(0, 3);
  return words.length ? [words.join(" ")] : [];
}

export function techniqueMap(
  rows: readonly TechniqueRow[],
  baseline: readonly string[] = BASELINE_TECHNIQUES,
): TechniqueMap {
  const byName = new Map<string, TechniqueEntry>();
  const entry = (technique: string) => {
    const existing = byName.get(technique);
    if (existing) return existing;
    const fresh: TechniqueEntry = {
      technique,
      status: "promising",
      keeps: 0,
      discards: 0,
      crashes: 0,
      best_val_bpb: null,
      experiments: [],
    };
    byName.set(technique, fresh);
    return fresh;
  };
  for (const name of baseline) entry(name).keeps++;
  for (const row of rows) {
    for (const name of techniquesOf(row.description)) {
      const e = entry(name);
      e.experiments.push(row.experiment);
      if (row.status === "keep") e.keeps++;
      else if (row.status === "crash") e.crashes++;
      else e.discards++;
      if (
        row.val_bpb !== null &&
        Number.isFinite(row.val_bpb) &&
        (e.best_val_bpb === null || row.val_bpb < e.best_val_bpb)
      )
        e.best_val_bpb = row.val_bpb;
    }
  }
  const map: TechniqueMap = { proven: [], promising: [], dead_end: [] };
  for (const e of byName.values()) {
    e.status =
      e.keeps > 0
        ? "proven"
        : e.discards >= DEAD_END_DISCARDS || e.discards + e.crashes >= DEAD_END_FAILURES
          ? "dead_end"
          : "promising";
    map[e.status].push(e);
  }
  return map;
}
