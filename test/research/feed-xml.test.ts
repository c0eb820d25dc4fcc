import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FeedError, parseFeed, type FeedEntry } from "../../src/research/feed-xml.ts";

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

/** Pieces feeds are made of, and the ones attacks are made of: a random mix hits every branch of the reader. */
const PIECES = [
  "<feed>",
  "</feed>",
  "<entry>",
  "</entry>",
  "<title>",
  "</title>",
  "<id>",
  "</id>",
  '<link href="https://a.example/x"/>',
  "<summary>",
  "</summary>",
  "<author><name>",
  "</name></author>",
  "<rss><channel>",
  "<item>",
  "</item>",
  "<a:b c='d'>",
  "</a:b>",
  "<a/>",
  "<",
  ">",
  "</",
  "/>",
  "<!",
  "<!--",
  "-->",
  "<![CDATA[",
  "]]>",
  "<?xml",
  "?>",
  "<!DOCTYPE feed [",
  '<!ENTITY lol "lol">',
  "]>",
  "&lol;",
  "&amp;",
  "&#x1F600;",
  "&#xD800;",
  "&#99999999;",
  "&",
  '"',
  "'",
  "=",
  " ",
  "\n",
  "text",
  "\uFEFF",
  "\u0000",
];

const xmlish = fc
  .tuple(
    fc.constantFrom("", "<feed><entry><title>t", "<rss><channel><item><title>t"),
    fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }),
  )
  .map(([head, pieces]) => head + pieces.join(""));

/** parseFeed's whole contract on any input: entries of strings, or a FeedError; nothing else escapes. */
function outcome(text: string): FeedEntry[] | FeedError {
  try {
    return parseFeed(text);
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
}

function fields(entry: FeedEntry): string[] {
  return [entry.id, entry.title, entry.url, entry.summary, ...entry.authors, entry.published ?? ""];
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

describe("parseFeed on fuzzed input", () => {
  it("throws nothing but a FeedError, on any text and on XML-like pieces", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), xmlish), (text) => {
        const result = outcome(text);
        if (result instanceof FeedError) return;
        for (const entry of result) {
          expect(entry.title).not.toBe("");
          for (const field of fields(entry)) expect(typeof field).toBe("string");
        }
      }),
      { numRuns: 400 },
    );
  });

  it("never expands anything: no field is longer than the input it came from", () => {
    fc.assert(
      fc.property(xmlish, fc.integer({ min: 1, max: 40 }), (text, copies) => {
        // The same text repeated: what a billion-laughs feed would need the reader to grow.
        const input = `<feed><entry><title>${text.repeat(copies)}</title></entry></feed>`;
        const result = outcome(input);
        if (result instanceof FeedError) return;
        for (const entry of result)
          for (const field of fields(entry)) expect(field.length).toBeLessThanOrEqual(input.length);
      }),
      { numRuns: 200 },
    );
  });

  it("nests as deep as it likes and gets a FeedError past the limit, never a stack overflow", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom("<a>", "<entry>", "<b:c d='e'>"),
        (depth, tag) => {
          const result = outcome(`<feed><entry><title>t</title>${tag.repeat(depth)}</entry></feed>`);
          if (depth + 2 > 64) expect(result).toBeInstanceOf(FeedError);
          else expect(result).not.toBeInstanceOf(FeedError);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("reads back what a well-formed feed of any text says (titles, summaries, links, authors)", () => {
    const text = fc.string({ minLength: 1, maxLength: 60 }).filter((t) => /\S/.test(t));
    const entry = fc.record({ title: text, summary: text, author: text, n: fc.nat(1000) });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), fc.boolean(), (entries, atom) => {
        const body = entries
          .map((e) =>
            atom
              ? `<entry><id>https://a.example/${e.n}</id><title>${escapeXml(e.title)}</title><summary><![CDATA[${e.summary.replace(/]]>/g, "")}]]></summary><author><name>${escapeXml(e.author)}</name></author><link href="https://a.example/${e.n}?a=1&amp;b=2"/></entry>`
              : `<item><title>${escapeXml(e.title)}</title><link>https://a.example/${e.n}</link><description>${escapeXml(e.summary)}</description><dc:creator>${escapeXml(e.author)}</dc:creator></item>`,
          )
          .join("\n");
        const xml = atom
          ? `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">${body}</feed>`
          : `<rss version="2.0"><channel><title>c</title>${body}</channel></rss>`;
        const clean = (t: string) => t.replace(/\s+/g, " ").trim();
        const parsed = parseFeed(xml);
        expect(parsed.map((p) => p.title)).toEqual(entries.map((e) => clean(e.title)));
        expect(parsed.map((p) => p.authors)).toEqual(
          entries.map((e) => (clean(e.author) ? [clean(e.author)] : [])),
        );
        expect(parsed.map((p) => p.url)).toEqual(
          entries.map((e) => (atom ? `https://a.example/${e.n}?a=1&b=2` : `https://a.example/${e.n}`)),
        );
        if (!atom) expect(parsed.map((p) => p.summary)).toEqual(entries.map((e) => clean(e.summary)));
      }),
      { numRuns: 200 },
    );
  });
});
