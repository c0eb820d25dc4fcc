import { describe, expect, it } from "vitest";
import { UserError } from "../../src/core/user-error.ts";
import { askFix, fixId, logTail, LOG_TAIL_LINES } from "../../src/engine/ask-fix.ts";
import type { FixInput, Proposal } from "../../src/engine/ports.ts";

const files: Record<string, Record<string, string>> = {
  crashed: { "train_gpt.py": "NUM_HEADS = 7\n", "notes/extra.md": "allowed too\n", ".env": "SECRET=1\n" },
};
const forge = { readFile: async (commit: string, path: string) => files[commit]?.[path] ?? null };
const config = { allow: ["train_gpt.py", "notes/extra.md", "missing.py"] };
const crashedProposal: Proposal = {
  description: "NUM_HEADS 7",
  direction: "NUM_HEADS",
  edits: [],
  reasoning: { hypothesis: "h", evidence: "e", risk: "r" },
};

function fixer(answer: (input: FixInput) => Proposal | null) {
  const seen: FixInput[] = [];
  return { seen, proposer: { fix: async (input: FixInput) => (seen.push(input), answer(input)) } };
}

describe("askFix (the one fix after a crash, for the loop and the App)", () => {
  it("shows the fixer the crashed commit's allow-listed files, the error and the log's last lines", async () => {
    const { seen, proposer } = fixer(() => null);
    const log = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\r\n") + "\r\n\r\n";
    expect(
      await askFix(
        { forge, proposer, config },
        { commit: "crashed", proposal: crashedProposal, error: "ValueError: heads", logText: log },
      ),
    ).toBeNull();
    expect(seen).toEqual([
      {
        proposal: crashedProposal,
        files: { "train_gpt.py": "NUM_HEADS = 7\n", "notes/extra.md": "allowed too\n" },
        error: "ValueError: heads",
        logTail: Array.from({ length: LOG_TAIL_LINES }, (_, i) => `line ${100 - LOG_TAIL_LINES + i}`).join(
          "\n",
        ),
      },
    ]);
  });

  it("says the run printed no score when there is no error line", async () => {
    const { seen, proposer } = fixer(() => null);
    await askFix(
      { forge, proposer, config },
      { commit: "crashed", proposal: crashedProposal, error: null, logText: "" },
    );
    expect(seen[0]?.error).toBe("the run printed no score");
  });

  it("returns a fix inside the allow-list, and refuses one that edits anything else", async () => {
    const fix = (path: string): Proposal => ({
      ...crashedProposal,
      description: "fix",
      edits: [{ path, content: "x" }],
    });
    const ok = fixer(() => fix("train_gpt.py"));
    const input = { commit: "crashed", proposal: crashedProposal, error: null, logText: "boom" };
    expect(await askFix({ forge, proposer: ok.proposer, config }, input)).toEqual(fix("train_gpt.py"));
    const out = fixer(() => fix(".github/workflows/x.yml"));
    await expect(askFix({ forge, proposer: out.proposer, config }, input)).rejects.toThrow(UserError);
  });

  it("names the attempt after the crashed experiment, and a tail of a tail is the same tail", () => {
    expect(fixId("exp-007")).toBe("exp-007-fix");
    const log = Array.from({ length: 90 }, (_, i) => `l${i}`).join("\n");
    expect(logTail(logTail(log))).toBe(logTail(log));
  });
});
