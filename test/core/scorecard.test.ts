import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { renderChartSvg, renderScorecardMarkdown, type ScorecardPoint } from "../../src/core/scorecard.ts";
import { MAX_MARKERS_PER_STATUS } from "../../src/core/scorecard-chart.ts";
import { duration } from "../../src/core/scorecard.ts";
import type { RunStatus } from "../../src/core/ledger.ts";

/** A small XML well-formedness check: balanced tags, quoted attributes, escaped text, one root. */
function checkXml(xml: string): {
  root: string;
  elements: { name: string; attrs: Record<string, string> }[];
} {
  const stack: string[] = [];
  const elements: { name: string; attrs: Record<string, string> }[] = [];
  let root = "";
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/gy;
  for (const match of xml.trim().matchAll(token)) {
    const [, close, name = "", attrText = "", selfClose, text, stray] = match;
    if (stray) throw new Error(`stray "<" at ${match.index}`);
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== "") throw new Error("text outside the root element");
      if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text))
        throw new Error(`unescaped & in ${JSON.stringify(text)}`);
      continue;
    }
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
      continue;
    }
    if (stack.length === 0 && root !== "") throw new Error("a second root element");
    if (root === "") root = name;
    const attrs: Record<string, string> = {};
    for (const [, key = "", value = ""] of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(value)) throw new Error(`unescaped & in attribute`);
      attrs[key] = value;
    }
    elements.push({ name, attrs });
    if (!selfClose) stack.push(name);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join("><")}>`);
  return { root, elements };
}

function point(
  index: number,
  status: RunStatus,
  valBpb: number | null,
  description = `change ${index}`,
): ScorecardPoint {
  return {
    index,
    experiment: `exp-${index}`,
    description,
    valBpb,
    status,
    artifactBytes: 15_000_000,
    seconds: 300,
  };
}

const realistic: ScorecardPoint[] = [
  point(1, "keep", 1.2244, "baseline"),
  point(2, "keep", 1.2174, "MODEL_DIM 512->576"),
  point(3, "discard", 1.2239, "lr 0.04->0.05"),
  point(4, "keep", 1.2139, "NUM_LAYERS 9->10"),
  point(5, "crash", null, "NUM_HEADS 8->7"),
  point(6, "discard", 1.2181, 'tie "embeddings" off & <int6>'),
  point(7, "keep", 1.2089, "MLP_MULT 2->3"),
  point(8, "keep", 1.2101, "seq len 2048 (re-measured)"),
  point(9, "backtrack", null, "back to exp-7"),
  point(10, "crash", null, "depth recurrence"),
  point(11, "keep", 1.2001, "sliding-window eval"),
];

/** The y coordinates of a path made of M, H and V commands, and its x coordinates. */
function stepCoordinates(d: string): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [, command, args = ""] of d.matchAll(/([MHV])([^MHV]*)/g)) {
    const numbers = args
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (command === "M") {
      xs.push(numbers[0] ?? Number.NaN);
      ys.push(numbers[1] ?? Number.NaN);
    } else if (command === "H") xs.push(numbers[0] ?? Number.NaN);
    else ys.push(numbers[0] ?? Number.NaN);
  }
  return { xs, ys };
}

const markers = (svg: string, status: RunStatus): number => svg.split(`class="marker ${status}"`).length - 1;

describe("checkXml (the test's own well-formedness check)", () => {
  it("rejects the mistakes it is there to catch", () => {
    expect(() => checkXml("<svg><g></svg>")).toThrow(/closes the wrong element/);
    expect(() => checkXml("<svg><g>")).toThrow(/unclosed/);
    expect(() => checkXml("<svg>a < b</svg>")).toThrow(/stray/);
    expect(() => checkXml("<svg>R&D</svg>")).toThrow(/unescaped &/);
    expect(() => checkXml("<svg x=1></svg>")).toThrow(/stray/);
    expect(() => checkXml("<svg/><svg/>")).toThrow(/second root/);
    expect(checkXml('<svg a="1"><text>R&amp;D</text><g/></svg>').elements.map((e) => e.name)).toEqual([
      "svg",
      "text",
      "g",
    ]);
  });
});

describe("renderChartSvg", () => {
  const svg = renderChartSvg(realistic, { title: "caddie demo <golf_mini>" });

  it("is one well-formed standalone SVG element", () => {
    const { root, elements } = checkXml(svg);
    expect(root).toBe("svg");
    expect(elements[0]?.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("draws one marker per run, by status", () => {
    expect([
      markers(svg, "keep"),
      markers(svg, "discard"),
      markers(svg, "crash"),
      markers(svg, "backtrack"),
    ]).toEqual([6, 2, 2, 1]);
  });

  it("draws crashes in the band along the top edge, labelled, above every scored run", () => {
    const y = (status: RunStatus): number[] =>
      [
        ...svg.matchAll(
          new RegExp(`class="marker ${status}">.*?(?:cy="([\\d.]+)"|d="M[\\d.]+ ([\\d.]+))`, "g"),
        ),
      ].map((m) => Number(m[1] ?? Number(m[2]) + 4));
    const crashes = y("crash");
    expect(new Set(crashes).size).toBe(1);
    expect(Math.max(...crashes)).toBeLessThan(Math.min(...y("keep"), ...y("discard")));
    expect(svg).toMatch(/>crash<\/text>/);
  });

  it("draws lower val_bpb lower on the chart", () => {
    const cy = (index: number): number =>
      Number(
        new RegExp(`#${index} exp-${index} [^<]*</title><circle cx="[\\d.]+" cy="([\\d.]+)"`).exec(svg)?.[1],
      );
    expect(cy(11)).toBeGreaterThan(cy(1)); // 1.2001 below 1.2244
    expect(cy(3)).toBeLessThan(cy(4));
  });

  it("draws the best so far as a step line that only ever goes down and right", () => {
    const d = /class="best-so-far" d="([^"]+)"/.exec(svg)?.[1] ?? "";
    const { xs, ys } = stepCoordinates(d);
    expect(ys).toHaveLength(5); // 1.2244, 1.2174, 1.2139, 1.2089, 1.2001: the re-measured 1.2101 is no new best
    expect(xs.every((x, i) => i === 0 || x >= (xs[i - 1] ?? Infinity))).toBe(true);
    expect(ys.every((y, i) => i === 0 || y > (ys[i - 1] ?? Infinity))).toBe(true);
  });

  it("has axes with ticks and labels, and a legend naming each marker", () => {
    const texts = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(
      expect.arrayContaining([
        "experiment",
        "val_bpb (lower is better)",
        "keep",
        "discard",
        "crash",
        "best so far",
        "backtrack",
      ]),
    );
    expect(texts.filter((t) => /^1\.2\d*$/.test(t ?? "")).length).toBeGreaterThanOrEqual(3);
    expect(texts).toEqual(expect.arrayContaining(["1", "11"]));
  });

  it("escapes text and labels each new best with its description", () => {
    expect(svg).toContain("caddie demo &lt;golf_mini&gt;");
    expect(svg).toContain("tie &quot;embeddings&quot; off &amp; &lt;int6&gt;");
    expect(svg).toContain(">sliding-window eval</text>");
    expect(svg).not.toContain(">seq len 2048 (re-measured)</text>");
  });

  it("is deterministic and independent of the order the runs come in", () => {
    expect(renderChartSvg([...realistic].reverse(), { title: "caddie demo <golf_mini>" })).toBe(svg);
  });

  it("renders no runs and only crashes as valid charts that say so", () => {
    for (const points of [[], [point(1, "crash", null), point(2, "crash", null)]]) {
      const empty = renderChartSvg(points);
      expect(checkXml(empty).root).toBe("svg");
      expect(empty).toContain("no scored runs yet");
      expect(empty).not.toMatch(/NaN|Infinity/);
    }
  });

  it("stays well-formed and finite for any runs and any text", () => {
    const text = fc.string({
      unit: fc.constantFrom("a", "<", ">", "&", '"', "'", "\u0001", "\ud800", "😀", " "),
      maxLength: 20,
    });
    const pointArb = fc.record({
      index: fc.integer({ min: 0, max: 500 }),
      experiment: text,
      description: text,
      valBpb: fc.option(fc.double({ min: 0.5, max: 9, noNaN: true }), { nil: null }),
      status: fc.constantFrom("keep", "discard", "crash", "backtrack"),
      artifactBytes: fc.option(fc.integer({ min: 0, max: 2e7 }), { nil: null }),
      seconds: fc.option(fc.double({ min: 0, max: 1e4, noNaN: true }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(pointArb, { maxLength: 30 }), text, (points, title) => {
        const out = renderChartSvg(points, { title });
        expect(checkXml(out).root).toBe("svg");
        expect(out).not.toMatch(/NaN|Infinity/);
        // XML 1.0 cannot carry control characters at all, escaped or not.
        expect([...out].filter((c) => c < " " && c !== "\n")).toEqual([]);
        const d = /class="best-so-far" d="([^"]+)"/.exec(out)?.[1];
        if (d)
          expect(stepCoordinates(d).ys.every((y, i, all) => i === 0 || y >= (all[i - 1] ?? Infinity))).toBe(
            true,
          );
      }),
    );
  });
});

describe("renderChartSvg with many runs", () => {
  // A long session: a keep every 4th run, crashes, and a slowly falling score with noise, so there are
  // hundreds of new bests among thousands of keeps and discards.
  const statuses: RunStatus[] = ["keep", "discard", "discard", "crash", "discard", "keep", "discard"];
  const many: ScorecardPoint[] = Array.from({ length: 10_000 }, (_, i) => {
    const status = statuses[i % statuses.length] ?? "discard";
    return point(i, status, status === "crash" ? null : 1.3 - i / 100_000 + ((i * 37) % 11) / 1000);
  });
  const svg = renderChartSvg(many, { title: "long session" });
  const drawn = (p: ScorecardPoint): boolean =>
    svg.includes(`<title>#${p.index} exp-${p.index} (${p.status})`);
  let lowest = Infinity;
  const newBests = many.filter((p) => {
    if (p.status !== "keep" || (p.valBpb ?? Infinity) >= lowest) return false;
    lowest = p.valBpb ?? lowest;
    return true;
  });

  it("draws at most a bounded number of each status, and says how many of how many runs it shows", () => {
    const counts = (["keep", "discard", "crash"] as const).map((status) => markers(svg, status));
    expect(counts[0]).toBeLessThanOrEqual(MAX_MARKERS_PER_STATUS + newBests.length);
    expect(counts[1]).toBeLessThanOrEqual(MAX_MARKERS_PER_STATUS);
    expect(counts[2]).toBeLessThanOrEqual(MAX_MARKERS_PER_STATUS);
    const shown = counts.reduce((a, b) => a + b, 0);
    expect(shown).toBeLessThan(many.length);
    expect(svg).toContain(`(showing ${shown} of ${many.length} runs)</text>`);
    expect(checkXml(svg).root).toBe("svg");
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("still draws every new best and an exact best-so-far line through all of them", () => {
    expect(newBests.length).toBeGreaterThan(100);
    expect(newBests.filter((p) => !drawn(p))).toEqual([]);
    const d = /class="best-so-far" d="([^"]+)"/.exec(svg)?.[1] ?? "";
    expect(stepCoordinates(d).ys).toHaveLength(newBests.length);
  });

  it("keeps the spread of the discards: the lowest and the highest are drawn", () => {
    const discards = many.filter((p) => p.status === "discard");
    const byScore = [...discards].sort((a, b) => (a.valBpb ?? 0) - (b.valBpb ?? 0));
    const [lowestDiscard, highestDiscard] = [byScore[0], byScore.at(-1)];
    expect(lowestDiscard && drawn(lowestDiscard)).toBe(true);
    expect(highestDiscard && drawn(highestDiscard)).toBe(true);
  });

  it("counts every run in the subtitle and scales the axes to every run, drawn or not", () => {
    const kept = many.filter((p) => p.status === "keep").length;
    const crashed = many.filter((p) => p.status === "crash").length;
    expect(svg).toContain(
      `10000 runs: ${kept} kept, ${many.length - kept - crashed} discarded, ${crashed} crashed`,
    );
    expect(svg).toContain(">9000</text>"); // the x axis runs to the last experiment
  });

  it("is deterministic and independent of the order the runs come in", () => {
    expect(renderChartSvg([...many].reverse(), { title: "long session" })).toBe(svg);
  });

  it("draws every run and says nothing of sampling up to the bound", () => {
    const atBound = Array.from({ length: MAX_MARKERS_PER_STATUS }, (_, i) =>
      point(i, "discard", 1.2 + i / 1e4),
    );
    const out = renderChartSvg([...atBound, point(MAX_MARKERS_PER_STATUS, "keep", 1.1)]);
    expect(markers(out, "discard")).toBe(MAX_MARKERS_PER_STATUS);
    expect(out).not.toContain("showing");
  });
});

describe("renderScorecardMarkdown", () => {
  const input = {
    title: "caddie demo",
    points: realistic,
    chartFile: "chart.svg",
    baseline: 1.2244,
    best: { valBpb: 1.2001, experiment: "exp-11", commit: "abc1234" },
    notesFile: "state/notes.md",
    resultsFile: "state/results.tsv",
    wallSeconds: 3725,
    trainSeconds: 3300,
  };

  it("summarizes the runs, the baseline, the best and the gain, and embeds the chart", () => {
    const md = renderScorecardMarkdown(input);
    expect(md).toContain("# caddie demo\n\n![val_bpb per experiment, lower is better](chart.svg)\n");
    expect(md).toContain("| Runs | 10 (6 kept, 2 discarded, 2 crashed) |");
    expect(md).toContain("| Backtracks | 1 |");
    expect(md).toContain("| Best val_bpb | 1.2001 (exp-11, `abc1234`) |");
    expect(md).toContain("| Gain over baseline | 0.0243 (1.98%) |");
    expect(md).toContain("| Training time | 55m 00s |\n| Wall time | 1h 02m |");
    expect(md).toContain("[notes.md](state/notes.md)");
    expect(md).toContain("[results.tsv](state/results.tsv)");
  });

  it("lists the kept runs with their change against the best before them", () => {
    const md = renderScorecardMarkdown(input);
    expect(md).toContain("| 1 | exp-1 | 1.2244 | baseline | baseline |");
    expect(md).toContain("| 2 | exp-2 | 1.2174 | -0.0070 | MODEL\\_DIM 512-&gt;576 |");
    expect(md).toContain("| 8 | exp-8 | 1.2101 | +0.0012 | seq len 2048 (re-measured) |");
  });

  it("renders untrusted descriptions through the one renderer: no broken table, markup, link or mention", () => {
    const md = renderScorecardMarkdown({
      ...input,
      points: [point(1, "keep", 1.2, "a | b <img src=x> [link](http://x) @octocat\nnext")],
    });
    expect(md).toContain("| a \\| b \\[link\\](http:\u200b//x) @\u200boctocat next |");
  });

  it("says what is missing before the first scored run", () => {
    const md = renderScorecardMarkdown({
      ...input,
      points: [],
      baseline: null,
      best: null,
      wallSeconds: null,
      trainSeconds: null,
    });
    expect(md).toContain("| Baseline val_bpb | not measured |\n| Best val_bpb | none yet |\n");
    expect(md).not.toMatch(/Gain|Kept experiments|Wall time/);
  });

  it("shows where the time went: the duty cycle and each phase's share of the wall time", () => {
    const md = renderScorecardMarkdown({
      ...input,
      wallSeconds: 1000,
      trainSeconds: 250,
      time: {
        runs: 4,
        runSeconds: 900,
        trainLoopSeconds: 250,
        phases: { startup: 400, training: 260, evaluation: 230, exit: 10 },
        caddieSeconds: 20,
        scoreSeconds: 40,
      },
    });
    expect(md).toContain("| Duty cycle (training loop / wall) | 25.0% |");
    expect(md).toContain("## Where the time went");
    expect(md).toContain("| Start-up, compile, warm-up | 6m 40s | 40.0% |");
    expect(md).toContain("| Training loop | 4m 20s | 26.0% |");
    expect(md).toContain("| Evaluation and serialization | 3m 50s | 23.0% |");
    expect(md).toContain("| caddie's scoring step (its own re-score of every model) | 40s | 4.0% |");
    expect(md).toContain("| caddie between runs (propose, measure, record) | 1m 00s | 6.0% |");
  });

  it("escapes spaces and parentheses in link targets", () => {
    expect(renderScorecardMarkdown({ ...input, chartFile: "my chart (1).svg" })).toContain(
      "](my%20chart%20%281%29.svg)",
    );
  });
});

describe("duration", () => {
  it("reads as hours and minutes, minutes and seconds, or seconds", () => {
    expect([duration(42.4), duration(245), duration(3725), duration(-3)]).toEqual([
      "42s",
      "4m 05s",
      "1h 02m",
      "0s",
    ]);
  });
});
