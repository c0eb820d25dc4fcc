/**
 * Reads the score claims out of a Parameter Golf record README. READMEs mix many bpb numbers (pre-quant,
 * post-quant, sliding, post-TTT, per seed, the previous SOTA), so "the first number after val_bpb" is often
 * wrong. This module only collects typed claims; `recordScore` decides which one is the leaderboard value.
 * Spellings handled are the ones listed in ../shared/reference/parameter-golf.md section 5.3.
 */

/** One seed's result as a README states it. */
export interface ReadmeSeed {
  seed: string;
  val_bpb: number;
  artifact_bytes: number | null;
}

export interface ReadmeScore {
  /** The exact printed metric (`final_..._exact val_bpb:X`), the most precise single-run claim. */
  exact: number | null;
  /** A mean over seeds the README states in words ("3-seed mean", "Mean val_bpb: X", "mean: X"). */
  statedMean: number | null;
  /** Per-seed results from a seed table, a `bpb: [..]` list or `SEED=n: x` lines. */
  perSeed: ReadmeSeed[];
  /** The bold or title headline number, and whether its own words call it the best seed. */
  headline: { value: number; bestSeed: boolean } | null;
  /** The only weak `val_bpb: X` value, when all weak mentions agree. */
  single: number | null;
  /** Number of seeds the text claims ("3 seeds", "5-seed mean"), when it says so. */
  seedCount: number | null;
  artifactBytes: number | null;
  /** The first title line, without the leading #s. */
  title: string | null;
  /** Why no usable claim was found, when the text has bpb numbers but none that can be trusted. */
  ambiguity: string | null;
}

const NUM = String.raw`(\d+\.\d{2,})`;
const BPB_KEY = String.raw`val[_ ](?:var_)?bpb`;
// Words that mark a number as someone else's score or a difference, never this record's headline.
const NOT_OURS = /leaderboard|sota|previous|prior|baseline|\bvs\.?\b|delta|improvement|beat|Δ|\bPR\s*#/i;

function plausible(value: number): boolean {
  return Number.isFinite(value) && value > 0.3 && value < 5;
}

function toNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  return plausible(value) ? value : null;
}

function parseBytes(cell: string): number | null {
  const text = cell.replace(/\*|~|bytes?/gi, "").trim();
  if (!/^\d{1,3}(,\d{3})+$|^\d{6,}$/.test(text)) return null;
  const value = Number(text.replace(/,/g, ""));
  return Number.isSafeInteger(value) ? value : null;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function stripCell(cell: string): string {
  return cell.replace(/\*\*/g, "").trim();
}

function splitRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return body.split("|").map((c) => c.trim());
}

interface SeedTable {
  columns: { header: string; bold: boolean; seeds: number[]; mean: number | null }[];
  seeds: string[];
  artifacts: (number | null)[];
}

// A column of seeds: "Seed", "Seeds", "Seed (run)". Not "#" or "Run": ablation tables number their rows.
const SEED_HEADER = /^seeds?(?:\s*\([^)]*\))?$/i;
const BPB_HEADER = /bpb|bits?\s*(?:per|\/)\s*byte/i;
// Columns that are never the record's score: before quantization, differences, spreads.
const NOT_SCORE_HEADER = /pre[- ]?quant|diagnostic|delta|Δ|\bstd\b|stdev|improv|\bvs\b/i;
const MEAN_LABEL = /^(?:mean|average|avg)\b/i;

/** "42", "seed 42", "Seed=42", "1337 (best)" -> the seed; anything else -> null. */
function seedOf(cell: string): string | null {
  return /^(?:seed\s*[=:#]?\s*)?(\d+)(?:\s*\([^)]*\))?$/i.exec(stripCell(cell))?.[1] ?? null;
}

/** The bpb number a cell starts with: "1.1565", "**1.1565**", "~1.1565 (best)". */
function cellBpb(cell: string): number | null {
  return toNumber(/^[~≈]?\s*(\d+\.\d+)/.exec(stripCell(cell))?.[1]);
}

/** Rows of a table whose seeds are its columns (`| Metric | Seed 42 | Seed 7 | Mean |`), turned around. */
function transposed(header: string[], rows: string[][]): { header: string[]; rows: string[][] } | null {
  const seedCols = header.map((h, c) => (c > 0 && seedOf(h) !== null ? c : -1)).filter((c) => c > 0);
  if (seedCols.length < 2) return null;
  const meanCol = header.findIndex((h, c) => c > 0 && MEAN_LABEL.test(stripCell(h)));
  const cols = meanCol > 0 ? [...seedCols, meanCol] : seedCols;
  return {
    header: ["Seed", ...rows.map((r) => r[0] ?? "")],
    rows: cols.map((c) => [
      seedOf(header[c] ?? "") ?? stripCell(header[c] ?? ""),
      ...rows.map((r) => r[c] ?? ""),
    ]),
  };
}

/** Markdown tables of per-seed results (one row per seed, or one column per seed), every bpb column read out. */
function seedTables(lines: string[]): SeedTable[] {
  const tables: SeedTable[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const headerLine = lines[i] ?? "";
    const sepLine = lines[i + 1] ?? "";
    if (!headerLine.trim().startsWith("|") || !/^\s*\|?\s*:?-+/.test(sepLine)) continue;
    const rawRows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && (lines[j] ?? "").trim().startsWith("|"); j++)
      rawRows.push(splitRow(lines[j] ?? ""));
    i = j - 1;
    let header = splitRow(headerLine);
    let rows = rawRows;
    let seedCol = header.findIndex((h) => SEED_HEADER.test(stripCell(h)));
    if (seedCol < 0) {
      const turned = transposed(header, rawRows);
      if (!turned) continue;
      ({ header, rows } = turned);
      seedCol = 0;
    }
    const seedRows = rows.filter((r) => seedOf(r[seedCol] ?? "") !== null);
    const meanRow = rows.find((r) => MEAN_LABEL.test(stripCell(r[seedCol] ?? "")));
    if (seedRows.length === 0) continue;
    const columns: SeedTable["columns"] = [];
    header.forEach((h, c) => {
      if (c === seedCol || !BPB_HEADER.test(h) || NOT_SCORE_HEADER.test(h)) return;
      const seeds = seedRows.map((r) => cellBpb(r[c] ?? ""));
      if (seeds.some((v) => v === null)) return;
      columns.push({
        header: h,
        bold: /\*\*/.test(h),
        seeds: seeds.filter((v): v is number => v !== null),
        mean: meanRow ? cellBpb(meanRow[c] ?? "") : null,
      });
    });
    const artifactCol = header.findIndex((h, c) => c !== seedCol && /artifact|bytes|size/i.test(h));
    tables.push({
      columns,
      seeds: seedRows.map((r) => seedOf(r[seedCol] ?? "") ?? ""),
      artifacts: seedRows.map((r) => (artifactCol >= 0 ? parseBytes(r[artifactCol] ?? "") : null)),
    });
  }
  return tables;
}

/**
 * How late in a run's evaluation a column's metric comes: test-time training after the sliding window,
 * the sliding window after the round trip. The record reports the last one (as the log rule does).
 */
function evaluationStage(header: string): number {
  if (/ttt|lora|test[- ]time/i.test(header)) return 3;
  if (/sliding|stride|\bsw\b|\bs\d+\b/i.test(header)) return 2;
  if (/post[- ]?quant|round[- ]?trip|\brt\b|quantized|int\d/i.test(header)) return 0;
  return 1;
}

/** Picks the table column that carries the leaderboard metric. */
function pickColumn(table: SeedTable, statedMean: number | null): SeedTable["columns"][number] | null {
  const cols = table.columns;
  if (cols.length === 0) return null;
  if (statedMean !== null) {
    const matching = cols
      .map((c) => ({ c, d: Math.abs(mean(c.seeds) - statedMean) }))
      .filter((x) => x.d < 5e-4)
      .sort((a, b) => a.d - b.d);
    if (matching[0]) return matching[0].c;
  }
  const bold = cols.find((c) => c.bold);
  if (bold) return bold;
  // The latest evaluation; of equals, the leftmost.
  return cols.reduce((best, c) => (evaluationStage(c.header) > evaluationStage(best.header) ? c : best));
}

function statedMeanOf(plain: string): { value: number; seeds: number | null } | null {
  const patterns: { re: RegExp; value: number; seeds?: number }[] = [
    { re: new RegExp(String.raw`\bmean\s+${BPB_KEY}\s*[:=]?\s*${NUM}`, "i"), value: 1 },
    { re: new RegExp(String.raw`\b(\d+)[- ]seed\s+mean\s*[:=]?\s*${NUM}`, "i"), value: 2, seeds: 1 },
    { re: new RegExp(String.raw`\bmean\s+of\s+(\d+)\s+seeds\s*[:=]\s*${NUM}`, "i"), value: 2, seeds: 1 },
    { re: new RegExp(String.raw`\bmean\s+across\s+[^:\n]{0,40}:\s*${NUM}`, "i"), value: 1 },
    { re: new RegExp(String.raw`^[ \t]*(?:[-*][ \t]+)?mean\s*[:=]\s*${NUM}`, "im"), value: 1 },
  ];
  let best: { index: number; value: number; seeds: number | null } | null = null;
  for (const p of patterns) {
    const m = p.re.exec(plain);
    const value = toNumber(m?.[p.value]);
    if (!m || value === null) continue;
    if (!best || m.index < best.index)
      best = { index: m.index, value, seeds: p.seeds ? Number(m[p.seeds]) : null };
  }
  // "val_bpb: X (3-seed mean ...)": the headline with its own words saying it is a mean.
  const withWords = new RegExp(String.raw`\b${BPB_KEY}\s*[:=]?\s*${NUM}\s*\(([^)\n]*)\)`, "gi");
  for (const m of plain.matchAll(withWords)) {
    const words = m[2] ?? "";
    const value = toNumber(m[1]);
    if (value === null || !/\bmean\b/i.test(words) || /\bbest\b/i.test(words)) continue;
    if (!best || (m.index ?? 0) < best.index)
      best = { index: m.index ?? 0, value, seeds: seedCountIn(words) };
  }
  return best ? { value: best.value, seeds: best.seeds } : null;
}

function seedCountIn(text: string): number | null {
  const m = /\b(\d+)[- ]seeds?\b/i.exec(text) ?? /\bmean\s+of\s+(\d+)\s+seeds\b/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 20 ? n : null;
}

function headlineOf(clean: string): { value: number; bestSeed: boolean } | null {
  const found: { index: number; value: number; bestSeed: boolean }[] = [];
  const keyThenNum = new RegExp(String.raw`\b${BPB_KEY}\s*[:=]?\s*${NUM}`, "i");
  const numThenKey = new RegExp(String.raw`${NUM}\s*(?:${BPB_KEY}|bpb)\b`, "i");
  const after = (index: number) => clean.slice(index, index + 120).split("\n")[0] ?? "";
  for (const m of clean.matchAll(/\*\*([^*\n]{1,160})\*\*/g)) {
    const span = m[1] ?? "";
    if (NOT_OURS.test(span)) continue;
    const hit = keyThenNum.exec(span) ?? numThenKey.exec(span);
    const value = toNumber(hit?.[1]);
    if (value === null) continue;
    const tail = after((m.index ?? 0) + m[0].length);
    found.push({ index: m.index ?? 0, value, bestSeed: /\bbest\b/i.test(tail) && !/\bmean\b/i.test(tail) });
  }
  let offset = 0;
  for (const line of clean.split("\n")) {
    if (/^#{1,6}\s/.test(line) && !NOT_OURS.test(line.replace(/\(val_bpb[^)]*\)/i, ""))) {
      const hit = keyThenNum.exec(line) ?? numThenKey.exec(line);
      const value = toNumber(hit?.[1]);
      if (value !== null) found.push({ index: offset, value, bestSeed: /\bbest\b/i.test(line) });
    }
    offset += line.length + 1;
  }
  found.sort((a, b) => a.index - b.index);
  const first = found[0];
  return first ? { value: first.value, bestSeed: first.bestSeed } : null;
}

function perSeedFromText(plain: string): ReadmeSeed[] {
  const list = new RegExp(String.raw`\bbpb[^:\n]{0,20}:\s*\[([^\]\n]+)\]`, "i").exec(plain);
  if (list) {
    const values = (list[1] ?? "").split(",").map((v) => toNumber(v.trim()));
    if (values.length >= 2 && values.every((v) => v !== null))
      return values.map((v, i) => ({ seed: `run${i + 1}`, val_bpb: v ?? 0, artifact_bytes: null }));
  }
  const bySeed = new Map<string, number>();
  const lineRe = new RegExp(String.raw`\bSEED\s*=\s*(\d+)\b[^\n]{0,40}?(?::|val_bpb\s*[:=])\s*${NUM}`, "gi");
  for (const m of plain.matchAll(lineRe)) {
    const value = toNumber(m[2]);
    const seed = m[1] ?? "";
    if (value !== null && !bySeed.has(seed)) bySeed.set(seed, value);
  }
  return [...bySeed].map(([seed, v]) => ({ seed, val_bpb: v, artifact_bytes: null }));
}

function artifactOf(plain: string): number | null {
  const patterns = [
    /Total submission size[^:\n]*:\s*([\d,]{7,})\s*bytes/gi,
    /artifact[^\n]{0,40}?\b([\d,]{9,11})\s*bytes/gi,
  ];
  for (const re of patterns) {
    for (const m of plain.matchAll(re)) {
      // "artifact <= 16,000,000 bytes" states the cap, not a size.
      if (/<|≤|under|below|cap|limit/i.test(m[0])) continue;
      const value = parseBytes(m[1] ?? "");
      if (value !== null) return value;
    }
  }
  return null;
}

/** Collects every score claim in a record README. Pure; never throws on odd text. */
export function readmeScore(text: string): ReadmeScore {
  // Escaped markdown (`val\_bpb`) and inline code ticks carry no meaning for the numbers.
  const clean = text.replace(/\r\n?/g, "\n").replace(/\\_/g, "_").replace(/`/g, "");
  const plain = clean.replace(/\*\*/g, "");
  const lines = clean.split("\n");

  const exactMatch = new RegExp(String.raw`\b[a-z0-9_]+_exact\b[^\n]*?\bval_bpb\s*[:=]\s*${NUM}`, "i").exec(
    plain,
  );
  const exact = toNumber(exactMatch?.[1]);

  const stated = statedMeanOf(plain);
  const statedMean = stated?.value ?? null;

  let perSeed: ReadmeSeed[] = [];
  for (const table of seedTables(lines)) {
    const col = pickColumn(table, statedMean);
    if (!col || col.seeds.length < 1) continue;
    perSeed = col.seeds.map((v, i) => ({
      seed: table.seeds[i] ?? String(i),
      val_bpb: v,
      artifact_bytes: table.artifacts[i] ?? null,
    }));
    break;
  }
  if (perSeed.length === 0) perSeed = perSeedFromText(plain);
  // A per-seed set that contradicts the README's own stated mean belongs to another metric.
  if (
    statedMean !== null &&
    perSeed.length >= 2 &&
    Math.abs(mean(perSeed.map((s) => s.val_bpb)) - statedMean) > 5e-4
  )
    perSeed = [];

  const headline = headlineOf(clean);

  const weak = new Set<number>();
  for (const m of plain.matchAll(new RegExp(String.raw`\b(?:${BPB_KEY}|bpb)\s*[:=]\s*${NUM}`, "gi"))) {
    const value = toNumber(m[1]);
    if (value !== null) weak.add(value);
  }
  const single = weak.size === 1 ? ([...weak][0] ?? null) : null;

  const hasClaim =
    exact !== null || statedMean !== null || perSeed.length > 0 || headline !== null || single !== null;
  const ambiguity =
    !hasClaim && weak.size > 1
      ? `README.md names ${weak.size} different bpb values and no headline, mean or exact metric`
      : null;

  const titleLine = lines.find((l) => /^#{1,6}\s/.test(l));
  const seedCount =
    perSeed.length >= 2 ? perSeed.length : (stated?.seeds ?? seedCountIn(plain.slice(0, 2000)) ?? null);

  return {
    exact,
    statedMean,
    perSeed,
    headline,
    single,
    seedCount,
    artifactBytes: artifactOf(plain),
    title: titleLine ? titleLine.replace(/^#+\s*/, "").trim() : null,
    ambiguity,
  };
}
