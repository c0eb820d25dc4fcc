/** The contract every research source follows, and the one place outside text is sanitized on the way in. */
import { sanitizeUntrusted } from "../../core/sanitize.ts";
import type { RawItem } from "../types.ts";

export interface SourceContext {
  fetch: typeof globalThis.fetch;
  /** Aborted when the source runs past its time limit or the whole sync is cancelled. */
  signal: AbortSignal;
}

export interface ResearchSource {
  /** Shown in failure reports: "arxiv", "semantic_scholar", "github:openai/parameter-golf", "feed:<host>". */
  name: string;
  fetch(context: SourceContext): Promise<RawItem[]>;
}

/** Builds a RawItem from outside fields, sanitizing every piece of text. */
export function rawItem(fields: RawItem): RawItem {
  return {
    id: fields.id,
    source: fields.source,
    title: sanitizeUntrusted(fields.title, { maxLength: 300 }).replace(/\s+/g, " "),
    url: /^https?:\/\//.test(fields.url) ? fields.url : "",
    summary: sanitizeUntrusted(fields.summary, { maxLength: 2000 }),
    authors: fields.authors.slice(0, 20).map((a) => sanitizeUntrusted(a, { maxLength: 100 })),
    published: fields.published,
  };
}

/** GET that throws a short, readable error on a non-2xx answer. */
export async function getText(
  context: SourceContext,
  url: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await context.fetch(url, {
    headers: { "user-agent": "caddie-research", ...headers },
    signal: context.signal,
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${new URL(url).host}`);
  return response.text();
}
