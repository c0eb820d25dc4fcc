/** One RSS or Atom feed. Each feed is its own source, so one broken feed never hides the others. */
import { parseFeed } from "../feed-xml.ts";
import { getText, rawItem, type ResearchSource } from "./source.ts";

export function feedSource(url: string): ResearchSource {
  return {
    name: `feed:${new URL(url).host}`,
    async fetch(context) {
      const text = await getText(context, url, {
        accept: "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8",
      });
      return parseFeed(text).map((e) =>
        rawItem({
          id: `feed:${e.url || e.id}`,
          source: "feeds",
          title: e.title,
          url: e.url,
          summary: e.summary,
          authors: e.authors,
          published: e.published,
        }),
      );
    },
  };
}
