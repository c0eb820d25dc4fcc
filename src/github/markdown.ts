/**
 * Number formats for bot-written text. Untrusted text goes through the one renderer,
 * src/core/safe-markdown.ts (`inline`, `fenced`, `plainTitle`, `fitBody`).
 */

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
