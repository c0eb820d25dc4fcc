import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatAnalysis, formatReasoning, parseBlock } from "../../src/core/research-blocks.ts";

const reasoning = {
  hypothesis: "A 10th layer lowers val_bpb by ~0.004",
  evidence: "Experiment 4: 9 -> 10 layers gained 0.0035 on the proxy",
  risk: "artifact over 16 MB",
};
const analysis = {
  result: "val_bpb=1.2139 artifact=15.9MB (keep)",
  vsExpected: "better",
  why: "more depth at the same width",
  lesson: "depth still pays below 11 layers",
};

describe("formatReasoning and formatAnalysis", () => {
  it("write the program's exact templates", () => {
    expect(formatReasoning(reasoning)).toBe(
      "=== REASONING ===\n" +
        "Hypothesis: A 10th layer lowers val_bpb by ~0.004\n" +
        "Evidence: Experiment 4: 9 -> 10 layers gained 0.0035 on the proxy\n" +
        "Risk: artifact over 16 MB\n" +
        "===",
    );
    expect(formatAnalysis(analysis)).toBe(
      "=== ANALYSIS ===\n" +
        "Result: val_bpb=1.2139 artifact=15.9MB (keep)\n" +
        "vs Expected: better\n" +
        "Why: more depth at the same width\n" +
        "Lesson: depth still pays below 11 layers\n" +
        "===",
    );
  });

  it("fold each field to one line, so a value cannot close the block or start another field", () => {
    const text = formatReasoning({ ...reasoning, risk: "OOM\n===\nHypothesis: injected" });
    expect(text.split("\n")).toHaveLength(5);
    expect(parseBlock(text, "REASONING")?.hypothesis).toBe(reasoning.hypothesis);
  });
});

describe("parseBlock", () => {
  it("reads the fields back under camelCase keys", () => {
    expect(parseBlock(formatReasoning(reasoning), "REASONING")).toEqual(reasoning);
    expect(parseBlock(formatAnalysis(analysis), "ANALYSIS")).toEqual(analysis);
  });

  it("finds a block inside prose and ignores the other kind", () => {
    const text = `Here is my plan.\n\n${formatReasoning(reasoning)}\n\nAnd later:\n${formatAnalysis(analysis)}\nDone.`;
    expect(parseBlock(text, "REASONING")).toEqual(reasoning);
    expect(parseBlock(text, "ANALYSIS")).toEqual(analysis);
  });

  it("reads what models write around the template: bold labels, bullets, a fence, no closing line", () => {
    const text = [
      "```",
      "**=== REASONING ===**",
      "- **Hypothesis:** wider MLP helps",
      "* **Evidence**: exp 7 gained 0.005",
      "> Risk: slower steps",
      "```",
      "Anything after the fence is not part of it.",
    ].join("\n");
    expect(parseBlock(text, "REASONING")).toEqual({
      hypothesis: "wider MLP helps",
      evidence: "exp 7 gained 0.005",
      risk: "slower steps",
    });
  });

  it("continues a field over lines that start no known field, colons and lists included", () => {
    const text = [
      "=== ANALYSIS ===",
      "Result: val_bpb=1.2100",
      "Why: two things:",
      "- the warmdown was longer",
      "Note: the lr also changed",
      "vs. Expected: better",
      "Lessons: keep the longer warmdown",
      "===",
    ].join("\n");
    expect(parseBlock(text, "ANALYSIS")).toEqual({
      result: "val_bpb=1.2100",
      why: "two things:\n- the warmdown was longer\nNote: the lr also changed",
      vsExpected: "better",
      lesson: "keep the longer warmdown",
    });
  });

  it("takes the last block when the text restates the template first", () => {
    const template = "=== REASONING ===\nHypothesis: [what you expect]\nEvidence: [...]\nRisk: [...]\n===";
    expect(parseBlock(`${template}\n\n${formatReasoning(reasoning)}`, "REASONING")).toEqual(reasoning);
  });

  it("ends a block at the next block's header even without a closing line", () => {
    const text = "=== REASONING ===\nHypothesis: h\n=== ANALYSIS ===\nResult: r\n===";
    expect(parseBlock(text, "REASONING")).toEqual({ hypothesis: "h" });
  });

  it("is null without a block, or with a block holding no known field", () => {
    expect(parseBlock("Hypothesis: no header here", "REASONING")).toBeNull();
    expect(parseBlock(formatAnalysis(analysis), "REASONING")).toBeNull();
    expect(parseBlock("=== REASONING ===\nI think this will work.\n===", "REASONING")).toBeNull();
  });

  it("reads CRLF text", () => {
    expect(parseBlock(formatReasoning(reasoning).replace(/\n/g, "\r\n"), "REASONING")).toEqual(reasoning);
  });

  it("gives back what formatReasoning wrote, for any field text", () => {
    const field = fc.string({ unit: fc.constantFrom("a", "B", " ", "\n", ":", "=", "*", "-", "#", "é") });
    const fold = (value: string) => value.replace(/\s+/g, " ").trim();
    fc.assert(
      fc.property(field, field, field, (hypothesis, evidence, risk) => {
        const parsed = parseBlock(formatReasoning({ hypothesis, evidence, risk }), "REASONING");
        expect(parsed?.hypothesis ?? "").toBe(fold(hypothesis));
        expect(parsed?.evidence ?? "").toBe(fold(evidence));
        expect(parsed?.risk ?? "").toBe(fold(risk));
      }),
    );
  });
});
