/** OpenReview notes search (API v2 wraps content fields as `{ value }`; v1 used plain strings). */
import { getText, rawItem, type ResearchSource } from "./source.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function field(content: Record<string, unknown>, key: string): unknown {
  const v = content[key];
  return isObject(v) && !Array.isArray(v) && "value" in v ? v.value : v;
}

export function openReviewSource(
  options: { baseUrl?: string; term?: string; limit?: number } = {},
): ResearchSource {
  const base = (options.baseUrl ?? "https://api2.openreview.net").replace(/\/+$/, "");
  const term = encodeURIComponent(options.term ?? "language model compression quantization");
  const url = `${base}/notes/search?term=${term}&type=terms&content=all&source=forum&limit=${options.limit ?? 50}`;
  return {
    name: "openreview",
    async fetch(context) {
      const body: unknown = JSON.parse(await getText(context, url, { accept: "application/json" }));
      if (!isObject(body) || !Array.isArray(body.notes))
        throw new Error("OpenReview answer has no notes array");
      return body.notes.filter(isObject).flatMap((n) => {
        const content = isObject(n.content) ? n.content : {};
        const title = field(content, "title");
        const id = typeof n.forum === "string" ? n.forum : typeof n.id === "string" ? n.id : null;
        if (typeof title !== "string" || !id) return [];
        const abstract = field(content, "abstract");
        const authors = field(content, "authors");
        const when = typeof n.pdate === "number" ? n.pdate : typeof n.cdate === "number" ? n.cdate : null;
        return [
          rawItem({
            id: `openreview:${id}`,
            source: "openreview",
            title,
            url: `https://openreview.net/forum?id=${encodeURIComponent(id)}`,
            summary: typeof abstract === "string" ? abstract : "",
            authors: Array.isArray(authors) ? authors.filter((a): a is string => typeof a === "string") : [],
            published: when === null ? null : new Date(when).toISOString(),
          }),
        ];
      });
    },
  };
}
