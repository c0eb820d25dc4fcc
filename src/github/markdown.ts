/**
 * Small Markdown helpers for bot-written text. Text from the model or a runner log is untrusted: table
 * cells are folded to one line with pipes escaped, @mentions are defused (a bot comment must not ping
 * people on the model's say-so), and fenced blocks use a fence longer than any backtick run inside.
 */
import { sanitizeUntrusted } from "../core/sanitize.ts";

export function inline(text: string, max = 300): string {
  const clean = sanitizeUntrusted(text, { maxLength: max })
    .replace(/[\r\n\t]+/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/@(?=[A-Za-z0-9-])/g, "@\u200b")
    .replace(/</g, "&lt;")
    .trim();
  return clean;
}

export function fenced(text: string, lang = "text"): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/@(?=[A-Za-z0-9-])/g, "@\u200b")}\n${fence}`;
}

export function bytes(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function bpb(value: number | null): string {
  return value === null ? "—" : value.toFixed(4);
}

export function signed(delta: number | null): string {
  if (delta === null) return "—";
  return `${delta > 0 ? "+" : delta < 0 ? "−" : "±"}${Math.abs(delta).toFixed(4)}`;
}

export function short(sha: string): string {
  return sha.slice(0, 7);
}
