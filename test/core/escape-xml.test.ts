import { describe, expect, it } from "vitest";
import { escapeXml } from "../../src/core/escape-xml.ts";

describe("escapeXml", () => {
  it("escapes the five XML specials", () => {
    expect(escapeXml(`a & b < c > d "e" 'f'`)).toBe("a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;");
  });

  it("drops control characters XML 1.0 cannot carry and keeps tab and line breaks", () => {
    expect(escapeXml("a\u0000b\u0008c\td\ne\u001fe\uffff")).toBe("abc\td\nee");
  });

  it("keeps whole emoji and replaces a lone surrogate", () => {
    expect(escapeXml("ok 😀")).toBe("ok 😀");
    expect(escapeXml("cut \ud83d")).toBe("cut \ufffd");
  });
});
