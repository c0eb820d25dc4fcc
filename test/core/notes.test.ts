import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  emptyNotes,
  formatAnalysis,
  formatReasoning,
  parseNotes,
  recordRun,
  renderNotes,
  type NotesModel,
  type RunNote,
} from "../../src/core/notes.ts";

const reasoning = formatReasoning({ hypothesis: "wider MLP helps", evidence: "exp 2 gained", risk: "size" });
const analysis = formatAnalysis({
  result: "val_bpb=1.2100",
  vsExpected: "better",
  why: "capacity",
  lesson: "more MLP",
});

function runNote(overrides: Partial<RunNote> = {}): RunNote {
  return {
    index: 3,
    experiment: "exp-0003",
    commit: "abc1234",
    description: "MLP_MULT 2 -> 3",
    direction: "MLP+",
    verdict: "keep",
    valBpb: 1.21,
    artifactBytes: 15_863_489,
    reasoning,
    analysis,
    bestValBpb: 1.21,
    bestCommit: "abc1234",
    deadEnds: [],
    delta: -0.0044,
    ...overrides,
  };
}

// A notes.md as the seed program and a human would write it: seed headings with suffixes, a title, a
// custom section, paragraphs and nested bullets, and a fenced block holding a heading-like line.
const humanNotes = `# Research notes

Read me first.

## Best Known Config
val_bpb 1.2244 at commit \`base000\` (the official baseline)

## Dead Ends (do not revisit)
- optimizer — Lion diverged twice — exp 5, 6
* tokenizer swaps: not allowed by the rules
  (checked the README)

## What Works
1. depth — 0.004 — exp 2

## Ideas Queue (ranked by expected value)
1. try SwiGLU
   because the MLP is the bottleneck
2. int5 MLP weights

## Questions for the human
Should we spend on 8xH100 now?

\`\`\`
## not a heading, just code
\`\`\`

## Experiment Log
Entries below are written by caddie.

### Experiment 1: baseline
keep · \`base000\`
`;

describe("parseNotes", () => {
  it("reads the five sections, seed-style titles included", () => {
    const notes = parseNotes(humanNotes);
    expect(notes.bestKnown).toBe("val_bpb 1.2244 at commit `base000` (the official baseline)");
    expect(notes.deadEnds).toEqual([
      "optimizer — Lion diverged twice — exp 5, 6",
      "tokenizer swaps: not allowed by the rules\n(checked the README)",
    ]);
    expect(notes.whatWorks).toEqual(["depth — 0.004 — exp 2"]);
    expect(notes.ideasQueue).toEqual(["try SwiGLU\nbecause the MLP is the bottleneck", "int5 MLP weights"]);
    expect(notes.log).toEqual([{ title: "Experiment 1: baseline", body: "keep · `base000`" }]);
  });

  it("keeps what it does not know: the preamble, other sections (fences and all), the log preface", () => {
    const notes = parseNotes(humanNotes);
    expect(notes.preamble).toBe("# Research notes\n\nRead me first.");
    expect(notes.otherSections).toEqual([
      {
        title: "Questions for the human",
        body: "Should we spend on 8xH100 now?\n\n```\n## not a heading, just code\n```",
      },
    ]);
    expect(notes.logPreface).toBe("Entries below are written by caddie.");
  });

  it("turns paragraphs in a list section into items rather than dropping them", () => {
    expect(parseNotes("## What Works\n\nnothing yet, but\nsoon\n\n- depth\n").whatWorks).toEqual([
      "nothing yet, but\nsoon",
      "depth",
    ]);
  });

  it("reads an empty or foreign file as empty notes that keep its text", () => {
    expect(parseNotes("")).toEqual(emptyNotes());
    expect(parseNotes("just some text\r\n")).toEqual({ ...emptyNotes(), preamble: "just some text" });
  });

  it("merges a section that appears twice instead of losing one", () => {
    expect(parseNotes("## Ideas Queue\n- a\n## ideas queue\n- b\n").ideasQueue).toEqual(["a", "b"]);
  });
});

describe("renderNotes", () => {
  it("writes the sections with their exact titles, in order, the log last", () => {
    const text = renderNotes(parseNotes(humanNotes));
    const headings = text.split("\n").filter((line) => /^##? /.test(line));
    expect(headings).toEqual([
      "# Research notes",
      "## Best Known Config",
      "## Dead Ends (do not revisit)",
      "## What Works",
      "## Ideas Queue",
      "## Questions for the human",
      "## not a heading, just code", // inside the fence, so it stays text of the section above
      "## Experiment Log",
    ]);
    expect(text).toContain(
      "## Ideas Queue\n\n1. try SwiGLU\n   because the MLP is the bottleneck\n2. int5 MLP weights\n",
    );
    expect(text.endsWith("keep · `base000`\n")).toBe(true);
  });

  it("renders empty notes as the bare skeleton", () => {
    expect(renderNotes(emptyNotes())).toBe(
      "## Best Known Config\n\n## Dead Ends (do not revisit)\n\n## What Works\n\n## Ideas Queue\n\n## Experiment Log\n",
    );
  });

  it("is stable: a human file changes once (list markers normalized), then never again", () => {
    const once = renderNotes(parseNotes(humanNotes));
    expect(renderNotes(parseNotes(once))).toBe(once);
  });
});

describe("recordRun", () => {
  it("appends a log entry with the run's facts and both blocks", () => {
    const notes = recordRun(emptyNotes(), runNote());
    expect(notes.log).toEqual([
      {
        title: "Experiment 3: MLP_MULT 2 -> 3",
        body: `keep · \`abc1234\` · exp-0003 · direction MLP+ · val_bpb 1.2100 · 15,863,489 bytes\n\n${reasoning}\n\n${analysis}`,
      },
    ]);
  });

  it("records a run once however often it is recorded, replacing its earlier entry", () => {
    const once = recordRun(emptyNotes(), runNote());
    expect(recordRun(once, runNote())).toEqual(once);
    const revised = recordRun(once, runNote({ analysis: "=== ANALYSIS ===\nResult: re-measured\n===" }));
    expect(revised.log).toHaveLength(1);
    expect(revised.log[0]?.body).toContain("Result: re-measured");
    expect(revised.whatWorks).toHaveLength(1);
  });

  it("sets the best known config when this run is the new best", () => {
    expect(recordRun(emptyNotes(), runNote()).bestKnown).toBe(
      "val_bpb 1.2100 at commit `abc1234`, from Experiment 3 (exp-0003): MLP_MULT 2 -> 3",
    );
  });

  it("leaves a best known config that still names the best alone, human notes included", () => {
    const notes = {
      ...emptyNotes(),
      bestKnown: "val_bpb 1.2100 at commit `abc1234`\nuses MLP_MULT=3, lr 0.04",
    };
    const after = recordRun(
      notes,
      runNote({ index: 4, commit: "def5678", verdict: "discard", valBpb: 1.22 }),
    );
    expect(after.bestKnown).toBe(notes.bestKnown);
  });

  it("rewrites a best known config that names another commit or score", () => {
    const notes = { ...emptyNotes(), bestKnown: "val_bpb 1.3000 at commit `old0000`" };
    const after = recordRun(
      notes,
      runNote({ index: 4, commit: "def5678", verdict: "discard", valBpb: 1.22 }),
    );
    expect(after.bestKnown).toBe("val_bpb 1.2100 at commit `abc1234`");
  });

  it("adds a What Works item with the gain for a kept improvement only", () => {
    expect(recordRun(emptyNotes(), runNote()).whatWorks).toEqual([
      "MLP+ — 0.0044 better (val_bpb to 1.2100) — Experiment 3 (`abc1234`): MLP_MULT 2 -> 3",
    ]);
    expect(recordRun(emptyNotes(), runNote({ delta: null })).whatWorks).toEqual([]);
    expect(recordRun(emptyNotes(), runNote({ verdict: "discard", delta: 0.002 })).whatWorks).toEqual([]);
  });

  it("adds each new dead end once, leaving those a human already wrote", () => {
    const notes = { ...emptyNotes(), deadEnds: ["Optimizer — Lion diverged — exp 5"] };
    const run = runNote({
      verdict: "discard",
      direction: "MODEL_DIM+",
      deadEnds: ["optimizer", "MODEL_DIM+", "lr"],
    });
    const after = recordRun(notes, run);
    expect(after.deadEnds).toEqual([
      "Optimizer — Lion diverged — exp 5",
      "MODEL_DIM+ — discards or crashes in a row — flagged at Experiment 3 (`abc1234`, discard): MLP_MULT 2 -> 3",
      "lr — discards or crashes in a row — flagged at Experiment 3",
    ]);
    expect(recordRun(after, run).deadEnds).toEqual(after.deadEnds);
  });

  it("escapes headings in model-written text so the file still parses into the same entries", () => {
    const run = runNote({ analysis: "=== ANALYSIS ===\n## Result: better\n### Why\n===" });
    const notes = recordRun(parseNotes(humanNotes), run);
    const reread = parseNotes(renderNotes(notes));
    expect(reread).toEqual(notes);
    expect(reread.log.at(-1)?.body).toContain("\\## Result: better\n\\### Why");
  });

  it("keeps every human edit through a record and a round trip", () => {
    const text = renderNotes(recordRun(parseNotes(humanNotes), runNote()));
    for (const kept of [
      "Read me first.",
      "Lion diverged twice",
      "(checked the README)",
      "SwiGLU",
      "8xH100 now?",
      "## not a heading",
      "written by caddie",
      "### Experiment 1: baseline",
    ]) {
      expect(text).toContain(kept);
    }
    expect(text).toContain("### Experiment 3: MLP_MULT 2 -> 3");
  });

  it("does not change the notes it is given", () => {
    const notes = parseNotes(humanNotes);
    const copy = structuredClone(notes);
    recordRun(notes, runNote({ deadEnds: ["x"] }));
    expect(notes).toEqual(copy);
  });
});

describe("notes round trip", () => {
  // Text a human or the loop would write: no headings or fences at the margin (those are structure).
  const line = fc
    .string({
      unit: fc.constantFrom("a", "Z", "1", " ", "-", "*", ":", "—", ".", "(", "é"),
      minLength: 1,
      maxLength: 12,
    })
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const freeText = fc
    .array(fc.oneof(line, fc.constant("")), { maxLength: 5 })
    .map((lines) => lines.join("\n").trim());
  const item = fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.join("\n"));
  const title = line.filter(
    (t) => !/^(best known config|dead ends|what works|ideas queue|experiment log)/i.test(t),
  );
  const model: fc.Arbitrary<NotesModel> = fc.record({
    bestKnown: freeText,
    deadEnds: fc.array(item, { maxLength: 4 }),
    whatWorks: fc.array(item, { maxLength: 4 }),
    ideasQueue: fc.array(item, { maxLength: 12 }),
    log: fc.array(fc.record({ title: line, body: freeText }), { maxLength: 4 }),
    preamble: freeText,
    otherSections: fc.array(fc.record({ title, body: freeText }), { maxLength: 2 }),
    logPreface: freeText,
  });

  it("parses what it renders back to the same model", () => {
    fc.assert(
      fc.property(model, (notes) => {
        expect(parseNotes(renderNotes(notes))).toEqual(notes);
      }),
    );
  });

  it("recording a run twice equals recording it once", () => {
    const run = fc.record({
      index: fc.integer({ min: 1, max: 20 }),
      direction: fc.option(fc.constantFrom("lr", "MODEL_DIM+", " optimizer\n"), { nil: null }),
      verdict: fc.constantFrom("keep", "discard", "crash", "backtrack"),
      delta: fc.option(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { nil: null }),
      deadEnds: fc.array(fc.constantFrom("lr", "MODEL_DIM+", " optimizer\n", ""), { maxLength: 4 }),
      description: fc.constantFrom("", "raise lr", "two\nlines\tand tabs ", "## heading-like"),
    });
    fc.assert(
      fc.property(model, run, (notes, overrides) => {
        const once = recordRun(notes, runNote(overrides));
        expect(recordRun(once, runNote(overrides))).toEqual(once);
        expect(parseNotes(renderNotes(once))).toEqual(once);
      }),
    );
  });
});
