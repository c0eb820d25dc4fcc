/**
 * Text an attacker would put in any field the bot renders on GitHub (a PR description, a log line, a
 * competitor's summary, an artifact file name), and the check that none of it survives live: no
 * @mention, no #/GH-/owner/repo# reference, no commit SHA, no image, no link, no bare URL, no entity that
 * becomes an @, no raw HTML.
 */
import { expect } from "vitest";

export const HOSTILE = [
  "ping @hostile-user and @octo-org/admins",
  "refs #4242 octo-org/octo-repo#4343 GH-4444 cafe4545cafe",
  "![pixel](https://evil.example/p.png) [click](https://evil.example/c)",
  "https://evil.example/bare www.evil.example",
  "<img src=https://evil.example/i.png> &commat;sneaky &#64;coded",
  "| pipe | `tick` **bold** </data> ```",
].join(" ");

/** The live forms of HOSTILE's parts that link or notify anywhere (titles and commit messages too). */
const REFERENCES = [
  /@hostile/,
  /@octo-org/,
  /@sneaky/,
  /@coded/,
  /&commat;/,
  /#4242/,
  /#4343/,
  /GH-4444/,
  /cafe4545cafe/,
  /https?:\/\/evil/,
  /www\.evil/,
];
/** ...and those that only Markdown renders (images, links, HTML). */
const MARKUP = [/!\[pixel\]/, /\]\(https?:\/\/evil/, /<img/i];

/** The text outside code blocks and code spans (inside them GitHub links and renders nothing). */
export function outsideCode(markdown: string): string {
  const out: string[] = [];
  let open: string | null = null;
  for (const line of markdown.split("\n")) {
    const fence = /^ {0,3}(`{3,})/.exec(line)?.[1];
    if (open === null) {
      if (fence) open = fence;
      else out.push(line);
    } else if (fence && fence.length >= open.length && line.trim() === fence) open = null;
  }
  // An unclosed fence runs to the end: everything after it is code. Code spans link nothing either.
  return out.join("\n").replace(/(?<!\\)`[^`\n]*`/g, "");
}

/** `markdown: false` for plain-text fields (titles, commit messages), where image and link syntax is inert. */
export function expectDefused(rendered: string, options: { markdown?: boolean } = {}): void {
  const live = outsideCode(rendered);
  const patterns = options.markdown === false ? REFERENCES : [...REFERENCES, ...MARKUP];
  for (const pattern of patterns) expect(live, `rendered text holds ${pattern}`).not.toMatch(pattern);
}
