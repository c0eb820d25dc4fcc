/** Semantic Scholar's Graph API paper search: https://api.semanticscholar.org/api-docs/graph */
import { getText, rawItem, type ResearchSource } from "./source.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

export function semanticScholarSource(
  options: { baseUrl?: string; query?: string; limit?: number; apiKey?: string | null } = {},
): ResearchSource {
  const base = (options.baseUrl ?? "https://api.semanticscholar.org").replace(/\/+$/, "");
  const query = encodeURIComponent(
    options.query ?? "small language model quantization compression training efficiency",
  );
  const fields = "title,abstract,url,authors,publicationDate,year,externalIds";
  const url = `${base}/graph/v1/paper/search?query=${query}&fields=${fields}&limit=${options.limit ?? 50}`;
  return {
    name: "semantic_scholar",
    async fetch(context) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (options.apiKey) headers["x-api-key"] = options.apiKey;
      const body: unknown = JSON.parse(await getText(context, url, headers));
      if (!isObject(body) || !Array.isArray(body.data))
        throw new Error("Semantic Scholar answer has no data array");
      return body.data.filter(isObject).flatMap((p) => {
        if (typeof p.title !== "string" || typeof p.paperId !== "string") return [];
        const ids = isObject(p.externalIds) ? p.externalIds : {};
        // Keyed by the arXiv id when there is one, so the same paper from arXiv merges by id.
        const id = typeof ids.ArXiv === "string" ? `arxiv:${ids.ArXiv}` : `s2:${p.paperId}`;
        const authors = Array.isArray(p.authors)
          ? p.authors
              .filter(isObject)
              .map((a) => String(a.name ?? ""))
              .filter((a) => a !== "")
          : [];
        return [
          rawItem({
            id,
            source: "semantic_scholar",
            title: p.title,
            url: typeof p.url === "string" ? p.url : `https://www.semanticscholar.org/paper/${p.paperId}`,
            summary: typeof p.abstract === "string" ? p.abstract : "",
            authors,
            published:
              typeof p.publicationDate === "string"
                ? p.publicationDate
                : typeof p.year === "number"
                  ? String(p.year)
                  : null,
          }),
        ];
      });
    },
  };
}
