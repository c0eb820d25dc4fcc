/**
 * The scorecard's chart: val_bpb per experiment as a standalone SVG (karpathy/autoresearch's progress plot:
 * every run a dot, kept runs labelled, the running best as a step line). Pure string rendering with
 * fixed-precision coordinates, so the same runs always give the same bytes and golden tests hold.
 * With thousands of runs the markers are thinned (see `thinned`) and the subtitle says how many are shown.
 */
import { escapeXml } from "./escape-xml.ts";
import type { RunStatus } from "./ledger.ts";
import { niceStep, niceTicks } from "./nice-ticks.ts";

export interface ScorecardPoint {
  index: number;
  experiment: string;
  description: string;
  valBpb: number | null;
  status: RunStatus;
  artifactBytes: number | null;
  seconds: number | null;
}

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

const COLORS = {
  keep: "#1f9d55",
  discard: "#9aa1ab",
  crash: "#d64545",
  backtrack: "#8e6bbf",
  best: "#1f9d55",
};
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const MARGIN = { left: 76, right: 28, top: 56, bottom: 92 };
// Crashes have no score: they sit in a band along the top edge (the "worse" end), above the scored area.
const CRASH_BAND = 22;
const LABEL_CHARS = 32;
/**
 * The most markers drawn per status (keep, discard, crash) besides the new bests, which are always drawn,
 * as are backtracks. Past it that status is sampled (see `thinned`); the axes and the best-so-far line still
 * come from every run. A marker is about 230 bytes with its tooltip: 10,000 of them made a 2.4 MB file that
 * took longer to build than the rest of the scorecard, and no viewer tells apart 10,000 dots in 800 px.
 */
export const MAX_MARKERS_PER_STATUS = 400;
// One formatter for every tooltip: what toLocaleString("en-US") gives, without building one per call.
const BYTES = new Intl.NumberFormat("en-US");

/**
 * Renders the chart. Lower val_bpb is better and sits lower. Markers carry `class="marker <status>"` and a
 * `<title>` tooltip; the best-so-far line is the path with `class="best-so-far"`.
 */
export function renderChartSvg(unordered: ScorecardPoint[], options: ChartOptions = {}): string {
  const points = [...unordered].sort((a, b) => a.index - b.index);
  const width = options.width ?? 860;
  const height = options.height ?? 460;
  const title = options.title ?? "val_bpb per experiment";
  const plot = {
    left: MARGIN.left,
    right: width - MARGIN.right,
    top: MARGIN.top,
    bottom: height - MARGIN.bottom,
  };
  const scored = points.filter((p) => p.status !== "crash" && p.valBpb !== null && Number.isFinite(p.valBpb));
  const [vLo, vHi] = extent(scored.map((p) => p.valBpb ?? 0));
  const yTicks = niceTicks(vLo, vHi, 5);
  const [yLo, yHi] = [yTicks.lo, yTicks.hi];
  const scoredTop = plot.top + CRASH_BAND + 8;
  const y = (v: number): number => plot.bottom - ((v - yLo) / (yHi - yLo)) * (plot.bottom - scoredTop);
  const [iLo, iHi] = points.length === 0 ? [0, 1] : extent(points.map((p) => p.index));
  const span = Math.max(iHi - iLo, 1);
  const pad = 18;
  const x = (i: number): number => plot.left + pad + ((i - iLo) / span) * (plot.right - plot.left - 2 * pad);

  // Best so far: a step line over kept runs, running on to the last experiment. Only the runs that set a
  // new best get a label: they are the story, and labelling every keep would not stay readable.
  const steps: string[] = [];
  const records: ScorecardPoint[] = [];
  let best = Infinity;
  for (const p of scored) {
    if (p.status !== "keep" || (p.valBpb ?? Infinity) >= best) continue;
    best = p.valBpb ?? best;
    records.push(p);
    steps.push(
      steps.length === 0 ? `M${num(x(p.index))} ${num(y(best))}` : `H${num(x(p.index))}V${num(y(best))}`,
    );
  }
  const shown = thinned(points, records);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(plot.left, 26, title, { size: 17, weight: "600", fill: "#1b1f24" }),
    text(plot.left, 44, subtitle(points, scored, shown), { size: 12, fill: "#57606a" }),
  );
  // Grid and y axis.
  // Without a scored run the y scale would be made up: draw no ticks then.
  for (const tick of scored.length > 0 ? yTicks.ticks : []) {
    const ty = num(y(tick));
    out.push(`<line x1="${plot.left}" y1="${ty}" x2="${plot.right}" y2="${ty}" stroke="#eaeef2"/>`);
    out.push(
      text(plot.left - 8, y(tick) + 4, tick.toFixed(yTicks.decimals), {
        size: 11,
        anchor: "end",
        fill: "#57606a",
      }),
    );
  }
  const crashY = plot.top + CRASH_BAND / 2;
  if (points.some((p) => p.status === "crash")) {
    out.push(
      `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${CRASH_BAND}" fill="#fdf0f0"/>`,
    );
    out.push(text(plot.left - 8, crashY + 4, "crash", { size: 11, anchor: "end", fill: COLORS.crash }));
  }
  // x ticks: whole experiment numbers, at most about 12 labels.
  const xStep = Math.max(1, niceStep((iHi - iLo) / 12));
  for (let i = Math.ceil(iLo / xStep) * xStep; i <= iHi; i += xStep) {
    out.push(
      `<line x1="${num(x(i))}" y1="${plot.bottom}" x2="${num(x(i))}" y2="${plot.bottom + 5}" stroke="#57606a"/>`,
    );
    out.push(text(x(i), plot.bottom + 18, String(i), { size: 11, anchor: "middle", fill: "#57606a" }));
  }
  out.push(
    `<path d="M${plot.left} ${plot.top}V${plot.bottom}H${plot.right}" fill="none" stroke="#57606a"/>`,
    text((plot.left + plot.right) / 2, plot.bottom + 38, "experiment", {
      size: 12,
      anchor: "middle",
      fill: "#1b1f24",
    }),
    text(18, (scoredTop + plot.bottom) / 2, "val_bpb (lower is better)", {
      size: 12,
      anchor: "middle",
      fill: "#1b1f24",
      rotate: -90,
    }),
  );
  if (scored.length === 0) {
    out.push(
      text((plot.left + plot.right) / 2, (scoredTop + plot.bottom) / 2, "no scored runs yet", {
        size: 13,
        anchor: "middle",
        fill: "#57606a",
      }),
    );
  }
  if (steps.length > 0) {
    steps.push(`H${num(x(iHi))}`);
    out.push(
      `<path class="best-so-far" d="${steps.join("")}" fill="none" stroke="${COLORS.best}" stroke-width="2" stroke-opacity="0.55"/>`,
    );
  }
  for (const p of shown)
    out.push(marker(p, x(p.index), p.status === "crash" || p.valBpb === null ? crashY : y(p.valBpb), plot));
  const labelTop = plot.top + CRASH_BAND + 2;
  for (const p of labelled(records, x, y, width))
    out.push(label(p, x(p.index), y(p.valBpb ?? 0), width, labelTop));
  out.push(
    legend(
      plot,
      points.some((p) => p.status === "backtrack"),
    ),
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function marker(p: ScorecardPoint, px: number, py: number, plot: { top: number; bottom: number }): string {
  const tip = `<title>${escapeXml(tooltip(p))}</title>`;
  const [cx, cy] = [num(px), num(py)];
  switch (p.status) {
    case "keep":
      return `<g class="marker keep">${tip}<circle cx="${cx}" cy="${cy}" r="5" fill="${COLORS.keep}" stroke="#ffffff" stroke-width="1.5"/></g>`;
    case "discard":
      return `<g class="marker discard">${tip}<circle cx="${cx}" cy="${cy}" r="4" fill="#ffffff" stroke="${COLORS.discard}" stroke-width="1.5"/></g>`;
    case "crash":
      return `<g class="marker crash">${tip}<path d="M${num(px - 4)} ${num(py - 4)}l8 8m0 -8l-8 8" stroke="${COLORS.crash}" stroke-width="2"/></g>`;
    case "backtrack":
      return `<g class="marker backtrack">${tip}<line x1="${cx}" y1="${plot.top}" x2="${cx}" y2="${plot.bottom}" stroke="${COLORS.backtrack}" stroke-dasharray="4 3"/></g>`;
  }
}

// Labels are 10 px text, about 5.8 px per character (sans-serif average), slanted up at 28 degrees.
const CHAR_WIDTH = 5.8;
const [SLANT_COS, SLANT_SIN] = [Math.cos((28 * Math.PI) / 180), Math.sin((28 * Math.PI) / 180)];

function overRightEdge(px: number, chars: number, width: number): boolean {
  return px + 6 + chars * CHAR_WIDTH * SLANT_COS > width - 4;
}

/**
 * Which new bests get a label: the latest always, then leftwards each one whose slanted line stays at least
 * 14 px from the last label placed, so crowded runs stay readable. Near the right edge only the latest is
 * labelled (there its label lies flat, and two flat labels would collide).
 */
function labelled(
  records: ScorecardPoint[],
  x: (i: number) => number,
  y: (v: number) => number,
  width: number,
): ScorecardPoint[] {
  const chosen: ScorecardPoint[] = [];
  let last: { px: number; py: number } | null = null;
  for (const p of [...records].reverse()) {
    const [px, py] = [x(p.index), y(p.valBpb ?? 0)];
    if (last !== null && overRightEdge(px, clip(p.description).length, width)) continue;
    // Distance between two parallel slanted baselines through the two points.
    if (last !== null && (last.px - px) * SLANT_SIN + (last.py - py) * SLANT_COS < 14) continue;
    chosen.push(p);
    last = { px, py };
  }
  return chosen.reverse();
}

/** Slanted up and to the right, shortened to stay below the crash band; near the right edge, flat below. */
function label(p: ScorecardPoint, px: number, py: number, width: number, top: number): string {
  const style = { size: 10, fill: "#1b1f24" };
  const full = clip(p.description);
  if (overRightEdge(px, full.length, width)) return text(px - 8, py + 16, full, { ...style, anchor: "end" });
  const fits = Math.floor((py - 7 - top) / (CHAR_WIDTH * SLANT_SIN));
  const content = clip(p.description, Math.max(fits, 8));
  return text(px + 6, py - 7, content, { ...style, rotate: -28, origin: [px + 6, py - 7] });
}

function legend(plot: { left: number; right: number; bottom: number }, withBacktrack: boolean): string {
  const ly = plot.bottom + 66;
  const items: [string, string][] = [
    [`<circle cx="0" cy="-4" r="5" fill="${COLORS.keep}"/>`, "keep"],
    [
      `<circle cx="0" cy="-4" r="4" fill="#ffffff" stroke="${COLORS.discard}" stroke-width="1.5"/>`,
      "discard",
    ],
    [`<path d="M-4 -8l8 8m0 -8l-8 8" stroke="${COLORS.crash}" stroke-width="2"/>`, "crash"],
    [`<path d="M-8 -4H8" stroke="${COLORS.best}" stroke-width="2" stroke-opacity="0.55"/>`, "best so far"],
  ];
  if (withBacktrack)
    items.push([`<path d="M0 -10V2" stroke="${COLORS.backtrack}" stroke-dasharray="4 3"/>`, "backtrack"]);
  const itemWidth = 110;
  const start = (plot.left + plot.right) / 2 - (items.length * itemWidth) / 2 + 12;
  const parts = items.map(
    ([icon, label], i) =>
      `<g transform="translate(${num(start + i * itemWidth)} ${ly})">${icon}${text(14, 0, label, { size: 12, fill: "#1b1f24" })}</g>`,
  );
  return `<g class="legend">${parts.join("")}</g>`;
}

function subtitle(points: ScorecardPoint[], scored: ScorecardPoint[], shown: ScorecardPoint[]): string {
  const count = (status: RunStatus): number => points.filter((p) => p.status === status).length;
  const kept = scored.filter((p) => p.status === "keep").map((p) => p.valBpb ?? Infinity);
  const best = kept.length > 0 ? `, best ${extent(kept)[0].toFixed(4)}` : "";
  const runs = points.length - count("backtrack");
  const drawn = shown.filter((p) => p.status !== "backtrack").length;
  const sample = drawn < runs ? ` (showing ${drawn} of ${runs} runs)` : "";
  return `${runs} run${runs === 1 ? "" : "s"}: ${count("keep")} kept, ${count("discard")} discarded, ${count("crash")} crashed${best}${sample}`;
}

/**
 * The points to draw, in order. A status with at most MAX_MARKERS_PER_STATUS runs is drawn whole. A larger
 * one is cut into MAX_MARKERS_PER_STATUS / 2 stretches of consecutive runs and each stretch drawn by its
 * lowest and highest val_bpb (unscored runs count as highest: they sit in the crash band; ties go to the
 * earlier run, so a stretch of crashes is drawn by its first): the cloud keeps its shape, its spread and
 * its outliers. New bests (`records`) and backtracks are always drawn.
 */
function thinned(points: ScorecardPoint[], records: ScorecardPoint[]): ScorecardPoint[] {
  const chosen = new Set<ScorecardPoint>(records);
  let thin = false;
  for (const status of ["keep", "discard", "crash"] as const) {
    const runs = points.filter((p) => p.status === status);
    if (runs.length <= MAX_MARKERS_PER_STATUS) {
      for (const p of runs) chosen.add(p);
      continue;
    }
    thin = true;
    const stretches = MAX_MARKERS_PER_STATUS / 2;
    for (let s = 0; s < stretches; s++) {
      const stretch = runs.slice(
        Math.floor((s * runs.length) / stretches),
        Math.floor(((s + 1) * runs.length) / stretches),
      );
      let [lo, hi] = [stretch[0], stretch[0]];
      for (const p of stretch) {
        if (lo === undefined || rank(p) < rank(lo)) lo = p;
        if (hi === undefined || rank(p) > rank(hi)) hi = p;
      }
      if (lo) chosen.add(lo);
      if (hi) chosen.add(hi);
    }
  }
  return thin ? points.filter((p) => p.status === "backtrack" || chosen.has(p)) : points;
}

function rank(p: ScorecardPoint): number {
  return p.valBpb !== null && Number.isFinite(p.valBpb) ? p.valBpb : Infinity;
}

/** Smallest and largest value, [Infinity, -Infinity] for none; a loop, as spreading 100,000 values overflows the stack. */
function extent(values: number[]): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function tooltip(p: ScorecardPoint): string {
  const score = p.valBpb === null ? "no score" : `val_bpb ${p.valBpb.toFixed(4)}`;
  const size = p.artifactBytes === null ? "" : `, ${BYTES.format(p.artifactBytes)} bytes`;
  const time = p.seconds === null ? "" : `, ${Math.round(p.seconds)} s`;
  return `#${p.index} ${p.experiment} (${p.status}): ${p.description} — ${score}${size}${time}`;
}

interface TextStyle {
  size: number;
  fill: string;
  anchor?: "start" | "middle" | "end";
  weight?: string;
  rotate?: number;
  origin?: [number, number];
}

function text(tx: number, ty: number, content: string, style: TextStyle): string {
  const [ox, oy] = style.origin ?? [tx, ty];
  const attrs = [`x="${num(tx)}"`, `y="${num(ty)}"`, `font-size="${style.size}"`, `fill="${style.fill}"`];
  if (style.anchor && style.anchor !== "start") attrs.push(`text-anchor="${style.anchor}"`);
  if (style.weight) attrs.push(`font-weight="${style.weight}"`);
  if (style.rotate) attrs.push(`transform="rotate(${style.rotate} ${num(ox)} ${num(oy)})"`);
  return `<text ${attrs.join(" ")}>${escapeXml(content)}</text>`;
}

function clip(description: string, limit = LABEL_CHARS): string {
  // By code points, so an emoji is never cut in half.
  const chars = Array.from(description.replace(/\s+/g, " ").trim());
  return chars.length <= limit
    ? chars.join("")
    : `${chars
        .slice(0, limit - 1)
        .join("")
        .trimEnd()}…`;
}

function num(value: number): string {
  return value.toFixed(1);
}
