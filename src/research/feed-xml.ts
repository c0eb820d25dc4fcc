/**
 * A small, safe reader for Atom and RSS feeds (arXiv's export API answers in Atom). Feeds need little of
 * XML (elements, attributes, text and CDATA), so this is kept small rather than a general parser whose
 * DOCTYPE and entity handling would need watching. It never expands entities beyond the five XML ones and
 * numeric character references, ignores DOCTYPEs (so no entity declarations, no external fetches), bounds
 * input size and nesting depth, and reads in one pass: every search starts where the last one ended and
 * stops at the first match. Anything that is not an RSS or Atom document throws a FeedError saying why;
 * callers record it as the source's failure. Fuzzed in test/research/feed-xml.test.ts; speed on
 * adversarial input in `npm run bench -- feed`.
 */

export interface FeedEntry {
  id: string;
  title: string;
  url: string;
  summary: string;
  authors: string[];
  published: string | null;
}

/** The one error the reader throws: the feed is too large, too deep, malformed, or not a feed. */
export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FeedError";
  }
}

interface XmlElement {
  name: string;
  local: string;
  attrs: Record<string, string>;
  parts: (string | XmlElement)[];
}

const MAX_BYTES = 8_000_000;
const MAX_DEPTH = 64;
// Sticky (`y`): each matches exactly at lastIndex, so no match looks past the tag it reads.
const NAME = /<([A-Za-z_][\w.:-]*)/y;
const ATTR = /\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;
const TAG_END = /\s*(\/?)>/y;
const DECLARATION_END = /[[>]/g;

/** Decodes the five XML entities and numeric references; leaves any other `&name;` as written. */
function decodeXmlText(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (_m, ref: string) => {
    switch (ref) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    const code = ref.startsWith("#x") ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : "\uFFFD";
  });
}

function localName(name: string): string {
  const i = name.indexOf(":");
  return i >= 0 ? name.slice(i + 1) : name;
}

/** Parses XML into a tree of elements. Lenient about mismatched closing tags, strict about tag syntax. */
function parseXml(input: string): XmlElement {
  if (input.length > MAX_BYTES) throw new FeedError(`feed is larger than ${MAX_BYTES} characters`);
  const text = input.replace(/^\uFEFF/, "");
  if (!text.trimStart().startsWith("<")) throw new FeedError("not XML (the body does not start with '<')");
  const root: XmlElement = { name: "#document", local: "#document", attrs: {}, parts: [] };
  const stack: XmlElement[] = [root];
  const top = () => stack[stack.length - 1] ?? root;
  let pos = 0;
  const skipTo = (marker: string, what: string) => {
    const end = text.indexOf(marker, pos);
    if (end < 0) throw new FeedError(`unterminated ${what} at offset ${pos}`);
    const start = pos;
    pos = end + marker.length;
    return text.slice(start, end);
  };
  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    if (lt < 0 || lt > pos) {
      const end = lt < 0 ? text.length : lt;
      const chunk = text.slice(pos, end);
      if (chunk.trim() !== "") top().parts.push(decodeXmlText(chunk));
      pos = end;
      continue;
    }
    if (text.startsWith("<!--", pos)) {
      pos += 4;
      skipTo("-->", "comment");
    } else if (text.startsWith("<![CDATA[", pos)) {
      pos += 9;
      top().parts.push(skipTo("]]>", "CDATA section"));
    } else if (text.startsWith("<?", pos)) {
      pos += 2;
      skipTo("?>", "processing instruction");
    } else if (text.startsWith("<!", pos)) {
      // DOCTYPE (with or without an internal subset) is skipped whole: its declarations are never used.
      // Whichever of `[` and `>` comes first decides, found by one scan (searching for each to the end of
      // the text made a run of `<!x>` quadratic).
      DECLARATION_END.lastIndex = pos;
      const first = DECLARATION_END.exec(text);
      if (!first) throw new FeedError(`unterminated declaration at offset ${pos}`);
      pos = first.index + 1;
      if (first[0] === "[") {
        skipTo("]", "DOCTYPE");
        skipTo(">", "DOCTYPE");
      }
    } else if (text.startsWith("</", pos)) {
      pos += 2;
      const name = skipTo(">", "closing tag").trim();
      const index = stack.map((e) => e.name).lastIndexOf(name);
      if (index > 0) stack.length = index;
    } else {
      NAME.lastIndex = pos;
      const head = NAME.exec(text);
      if (!head) throw new FeedError(`malformed tag at offset ${pos}`);
      const name = head[1] ?? "";
      pos += head[0].length;
      const attrs: Record<string, string> = {};
      for (;;) {
        ATTR.lastIndex = pos;
        const attr = ATTR.exec(text);
        if (!attr) break;
        attrs[attr[1] ?? ""] = decodeXmlText(attr[3] ?? attr[4] ?? "");
        pos += attr[0].length;
      }
      TAG_END.lastIndex = pos;
      const end = TAG_END.exec(text);
      if (!end) throw new FeedError(`malformed tag <${name}> at offset ${pos}`);
      pos += end[0].length;
      const element: XmlElement = { name, local: localName(name), attrs, parts: [] };
      top().parts.push(element);
      if (end[1] !== "/") {
        if (stack.length > MAX_DEPTH) throw new FeedError(`elements nested deeper than ${MAX_DEPTH}`);
        stack.push(element);
      }
    }
  }
  return root;
}

function children(el: XmlElement, local?: string): XmlElement[] {
  return el.parts.filter((p): p is XmlElement => typeof p !== "string" && (!local || p.local === local));
}

function child(el: XmlElement, local: string): XmlElement | null {
  return children(el, local)[0] ?? null;
}

function textOf(el: XmlElement | null): string {
  if (!el) return "";
  return el.parts
    .map((p) => (typeof p === "string" ? p : textOf(p)))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

function atomEntry(entry: XmlElement): FeedEntry {
  const links = children(entry, "link");
  const link =
    links.find((l) => (l.attrs.rel ?? "alternate") === "alternate" && !l.attrs.title) ??
    links.find((l) => (l.attrs.rel ?? "alternate") === "alternate") ??
    links[0];
  const id = textOf(child(entry, "id"));
  const url = link?.attrs.href ?? (/^https?:\/\//.test(id) ? id : "");
  return {
    id: id || url,
    title: textOf(child(entry, "title")),
    url,
    summary: textOf(child(entry, "summary") ?? child(entry, "content")),
    authors: children(entry, "author")
      .map((a) => textOf(child(a, "name")) || textOf(a))
      .filter((a) => a !== ""),
    published: textOf(child(entry, "published") ?? child(entry, "updated")) || null,
  };
}

function rssItem(item: XmlElement): FeedEntry {
  const url = textOf(child(item, "link")) || (child(item, "link")?.attrs.href ?? "");
  const guid = textOf(child(item, "guid"));
  const authors = [...children(item, "creator"), ...children(item, "author")]
    .map(textOf)
    .filter((a) => a !== "");
  return {
    id: guid || url || (item.attrs["rdf:about"] ?? ""),
    title: textOf(child(item, "title")),
    url: url || (item.attrs["rdf:about"] ?? ""),
    summary: textOf(child(item, "description") ?? child(item, "encoded") ?? child(item, "summary")),
    authors,
    published: textOf(child(item, "pubDate") ?? child(item, "date") ?? child(item, "published")) || null,
  };
}

/** Reads the entries of an Atom, RSS 2.0 or RSS 1.0 (RDF) document; throws when it is none of them. */
export function parseFeed(xml: string): FeedEntry[] {
  const doc = parseXml(xml);
  const root = children(doc)[0];
  if (!root) throw new FeedError("not XML (no root element)");
  let entries: FeedEntry[];
  if (root.local === "feed") entries = children(root, "entry").map(atomEntry);
  else if (root.local === "rss") entries = children(child(root, "channel") ?? root, "item").map(rssItem);
  else if (root.local === "RDF") entries = children(root, "item").map(rssItem);
  else throw new FeedError(`not an RSS or Atom feed (root element <${root.name}>)`);
  return entries.filter((e) => e.title !== "");
}
