import { describe, expect, it } from "vitest";
import { mergeLines } from "../../src/core/merge-lines.ts";

const base = "a\nb\nc\nd\ne\n";

describe("mergeLines", () => {
  it("applies changes to different lines from both sides", () => {
    expect(mergeLines(base, "a\nB\nc\nd\ne\n", "a\nb\nc\nD\ne\n")).toBe("a\nB\nc\nD\ne\n");
    expect(mergeLines(base, "x\na\nb\nc\nd\ne\n", "a\nb\nc\nd\ne\ny\n")).toBe("x\na\nb\nc\nd\ne\ny\n");
  });

  it("merges replacements of adjacent lines (one setting per line)", () => {
    expect(mergeLines(base, "a\nB\nc\nd\ne\n", "a\nb\nC\nd\ne\n")).toBe("a\nB\nC\nd\ne\n");
  });

  it("calls changes to the same line, or an insertion next to the other side's change, a conflict", () => {
    expect(mergeLines(base, "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n")).toBeNull();
    expect(mergeLines(base, "a\nB\nc\nd\ne\n", "a\nb\nnew\nc\nd\ne\n")).toBeNull();
    expect(mergeLines(base, "a\nb\nnew\nc\nd\ne\n", "a\nb\nC\nd\ne\n")).toBeNull();
    expect(mergeLines(base, "a\nb\nc\nd\ne\n", "a\nb\nc\nd\ne\n")).toBe(base);
  });

  it("takes one side when the other did not change, and agrees with itself", () => {
    expect(mergeLines(base, base, "z\n")).toBe("z\n");
    expect(mergeLines(base, "q\n", "q\n")).toBe("q\n");
  });
});
