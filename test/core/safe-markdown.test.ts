import { describe, expect, it } from "vitest";
import {
  codeSpan,
  ownCell,
  fenced,
  fitBody,
  GITHUB_LIMITS,
  inline,
  plainText,
  plainTitle,
} from "../../src/core/safe-markdown.ts";
import { expectDefused, HOSTILE, outsideCode } from "../helpers/hostile.ts";

const fakeToken = () => `ghp_${"a1B2".repeat(10)}`;

describe("the one renderer for untrusted text on GitHub", () => {
  it("inline: one line, every mention, reference, image, link and tag defused, words still readable", () => {
    const out = inline(HOSTILE, 2000);
    expectDefused(out);
    expect(out).not.toContain("\n");
    // Still readable: the zero-width space is invisible, the escapes render as the characters.
    expect(out.replace(/\u200b/g, "")).toContain("ping @hostile-user");
    expect(out.replace(/\u200b/g, "")).toContain("evil.example/c");
    expect(out).toContain("\\|"); // a table cell stays one cell
  });

  it("inline and plainTitle cap their length before any work and redact secrets", () => {
    expect(inline("x".repeat(1_000_000), 50).length).toBeLessThanOrEqual(60);
    expect(inline(`key ${fakeToken()}`)).toBe("key \\[redacted\\]");
    const title = plainTitle(`exp-001: ${HOSTILE} ${"y".repeat(1000)}`);
    expect(title.length).toBeLessThanOrEqual(GITHUB_LIMITS.title);
    expectDefused(title, { markdown: false });
  });

  it("plainText keeps lines, defuses references (commit messages)", () => {
    const out = plainText(`Hypothesis: fixes #12\nEvidence: @someone said so, see deadbeef1234`);
    expect(out.split("\n")).toHaveLength(2);
    expectDefused(plainText(HOSTILE), { markdown: false });
    expect(out).not.toMatch(/#12|@someone|deadbeef1234/);
  });

  it("fenced: nothing inside renders, the fence cannot be closed from inside, secrets are redacted", () => {
    const out = fenced(`${HOSTILE}\n\`\`\`\`\`\nbreak out? @hostile-user\n${fakeToken()}`);
    expect(outsideCode(out)).toBe("");
    expect(out).not.toContain(fakeToken());
    expect(out.split("\n")[0]).toBe("``````text");
  });

  it("fenced: a huge log keeps its tail within the cap; bidi and zero-width characters are dropped", () => {
    const log = `${"noise\n".repeat(200_000)}Traceback: the real error\u202e`;
    const out = fenced(log, { max: 1000, keep: "tail" });
    expect(out.length).toBeLessThan(1100);
    expect(out).toContain("Traceback: the real error\n");
    expect(out).toContain("[… earlier lines cut]");
  });

  it("fitBody cuts to GitHub's limit on a line boundary and closes an open fence", () => {
    const body = `head\n\`\`\`\`text\n${"line of log\n".repeat(10_000)}\`\`\`\`\ntail`;
    const out = fitBody(body, 5000);
    expect(out.length).toBeLessThanOrEqual(5000);
    expect(outsideCode(out)).toContain("cut to fit GitHub's size limit");
    expect(fitBody("short", 5000)).toBe("short");
  });

  it("codeSpan in a table cell escapes a pipe as GitHub's tables need; ownCell keeps caddie's text on one line", () => {
    expect(codeSpan("final|exact", { table: true })).toBe("`final\\|exact`");
    expect(codeSpan("final|exact")).toBe("`final|exact`");
    expect(ownCell("PR #3 | a1b2c3d\nsecond line")).toBe("PR #3 \\| a1b2c3d second line");
  });

  it("codeSpan keeps a login or number inside one span", () => {
    expect(codeSpan("we`ird name")).toBe("`we'ird name`");
  });
});
