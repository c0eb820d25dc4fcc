import { describe, expect, it } from "vitest";
import { mergeLines } from "../../src/github/merge-lines.ts";

const base = "a\nb\nc\nd\ne\n";

describe("mergeLines", () => {
  it("applies changes to different lines from both sides", () => {
    expect(mergeLines(base, "a\nB\nc\nd\ne\n", "a\nb\nc\nD\ne\n")).toBe("a\nB\nc\nD\ne\n");
    expect(mergeLines(base, "x\na\nb\nc\nd\ne\n", "a\nb\nc\nd\ne\ny\n")).toBe("x\na\nb\nc\nd\ne\ny\n");
  });

  it("calls overlapping or adjacent changes a conflict", () => {
    expect(mergeLines(base, "a\nB\nc\nd\ne\n", "a\nb\nC\nd\ne\n")).toBeNull();
    expect(mergeLines(base, "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n")).toBeNull();
  });

  it("takes one side when the other did not change, and agrees with itself", () => {
    expect(mergeLines(base, base, "z\n")).toBe("z\n");
    expect(mergeLines(base, "q\n", "q\n")).toBe("q\n");
  });
});
