import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/github/parse-command.ts";

describe("parseCommand", () => {
  it("reads the first command line with its seeds", () => {
    expect(parseCommand("LGTM\n/promote seeds=3\n/discard")).toEqual({
      kind: "command",
      name: "promote",
      seeds: 3,
    });
    expect(parseCommand("/pause")).toEqual({ kind: "command", name: "pause", seeds: 1 });
  });

  it("ignores commands inside code fences and quotes, and text that is not a command", () => {
    expect(parseCommand("```\n/promote\n```\n> /keep\nplain text")).toEqual({ kind: "none" });
    expect(parseCommand("see /path/to/file")).toEqual({ kind: "none" });
  });

  it("refuses unknown commands, unknown arguments and out-of-range seeds with a reason", () => {
    expect(parseCommand("/frobnicate")).toMatchObject({
      kind: "invalid",
      error: expect.stringContaining("unknown command `/frobnicate`"),
    });
    expect(parseCommand("/keep now")).toMatchObject({
      kind: "invalid",
      error: "`/keep` does not take `now`",
    });
    expect(parseCommand("/promote seeds=0")).toMatchObject({
      kind: "invalid",
      error: "seeds must be from 1 to 5",
    });
    expect(parseCommand("/promote budget=999")).toMatchObject({ kind: "invalid" });
  });

  it("does not read oversized comments", () => {
    expect(parseCommand(`${"x".repeat(20_001)}\n/promote`)).toEqual({ kind: "none" });
  });
});
