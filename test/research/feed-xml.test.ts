import { describe, expect, it } from "vitest";
import { parseFeed } from "../../src/research/feed-xml.ts";

const ATOM = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title type="html">ArXiv Query: search_query=all:quantization</title>
  <entry>
    <id>http://arxiv.org/abs/2501.01234v2</id>
    <published>2025-01-02T18:00:00Z</published>
    <title>Ternary Weights &amp; Tiny Models:
      A Study</title>
    <summary>We train &lt;16MB models with 1.58-bit weights &#8212; and compare &#x2192; int8.</summary>
    <author><name>Ada Lovelace</name></author>
    <author><name>Alan Turing</name><arxiv:affiliation>Bletchley</arxiv:affiliation></author>
    <link href="http://arxiv.org/abs/2501.01234v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2501.01234v2" rel="related" type="application/pdf"/>
  </entry>
</feed>`;

const RSS = `<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>A blog</title>
  <item>
    <title><![CDATA[Muon at small scale <b>works</b>]]></title>
    <link>https://blog.example.org/muon</link>
    <description>&lt;p&gt;Newton-Schulz steps&lt;/p&gt;</description>
    <dc:creator>Jo Writer</dc:creator>
    <pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate>
    <guid isPermaLink="false">post-17</guid>
  </item>
  <item><title></title><link>https://blog.example.org/empty</link></item>
</channel></rss>`;

describe("parseFeed", () => {
  it("reads an arXiv Atom feed: entities, numeric references, authors and the alternate link", () => {
    expect(parseFeed(ATOM)).toEqual([
      {
        id: "http://arxiv.org/abs/2501.01234v2",
        title: "Ternary Weights & Tiny Models: A Study",
        url: "http://arxiv.org/abs/2501.01234v2",
        summary: "We train <16MB models with 1.58-bit weights — and compare → int8.",
        authors: ["Ada Lovelace", "Alan Turing"],
        published: "2025-01-02T18:00:00Z",
      },
    ]);
  });

  it("reads RSS 2.0 with CDATA and dc:creator, and drops items without a title", () => {
    expect(parseFeed(RSS)).toEqual([
      {
        id: "post-17",
        title: "Muon at small scale <b>works</b>",
        url: "https://blog.example.org/muon",
        summary: "<p>Newton-Schulz steps</p>",
        authors: ["Jo Writer"],
        published: "Tue, 03 Mar 2026 10:00:00 GMT",
      },
    ]);
  });

  it("reads RSS 1.0 (RDF) items", () => {
    const rdf = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <item rdf:about="https://example.org/a"><title>Depth recurrence</title><description>loops</description></item></rdf:RDF>`;
    expect(parseFeed(rdf).map((e) => [e.id, e.title, e.url])).toEqual([
      ["https://example.org/a", "Depth recurrence", "https://example.org/a"],
    ]);
  });

  it("never expands DOCTYPE entities (no billion laughs, no external files)", () => {
    const evil = `<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;"><!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed><entry><id>x</id><title>&lol2; &xxe;</title></entry></feed>`;
    expect(parseFeed(evil)[0]?.title).toBe("&lol2; &xxe;");
  });

  it("rejects a body that is not XML, and an HTML page, with the reason", () => {
    expect(() => parseFeed('{"error":"rate limited"}')).toThrow("not XML (the body does not start with '<')");
    expect(() => parseFeed("<!DOCTYPE html><html><body>Service Unavailable</body></html>")).toThrow(
      "not an RSS or Atom feed (root element <html>)",
    );
    expect(() => parseFeed("<feed><entry><title>x</title><!-- never closed")).toThrow(/unterminated comment/);
  });
});
