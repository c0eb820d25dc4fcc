/** arXiv's export API (Atom): https://info.arxiv.org/help/api/user-manual.html */
import { parseFeed } from "../feed-xml.ts";
import { getText, rawItem, type ResearchSource } from "./source.ts";

export const DEFAULT_ARXIV_QUERY =
  '(cat:cs.CL OR cat:cs.LG) AND (abs:"language model" OR abs:transformer) AND (abs:quantization OR abs:compression OR abs:"parameter efficient" OR abs:"small language" OR abs:tokenizer OR abs:optimizer OR abs:"test-time training")';

export function arxivSource(
  options: { baseUrl?: string; query?: string; maxResults?: number } = {},
): ResearchSource {
  const base = (options.baseUrl ?? "https://export.arxiv.org").replace(/\/+$/, "");
  const query = encodeURIComponent(options.query ?? DEFAULT_ARXIV_QUERY);
  const url = `${base}/api/query?search_query=${query}&sortBy=submittedDate&sortOrder=descending&start=0&max_results=${options.maxResults ?? 50}`;
  return {
    name: "arxiv",
    async fetch(context) {
      return parseFeed(await getText(context, url, { accept: "application/atom+xml" })).map((e) => {
        const abs = /arxiv\.org\/abs\/([^\s?#]+?)(?:v\d+)?$/.exec(e.id);
        return rawItem({
          id: abs ? `arxiv:${abs[1]}` : `arxiv:${e.id}`,
          source: "arxiv",
          title: e.title,
          url: e.url || e.id,
          summary: e.summary,
          authors: e.authors,
          published: e.published,
        });
      });
    },
  };
}
