/**
 * The technique names a competitor lists in a PR title or record name, e.g.
 * "Record: 11L XSA + LQER + SparseAttnGate — val_bpb 1.0611 (3-seed mean)" -> ["11L XSA", "LQER", "SparseAttnGate"].
 * Title conventions: ../shared/reference/parameter-golf.md section 6.
 */
const PREFIX =
  /^\s*(?:records?(?:\s+(?:candidate|support))?|notable\s+non-record(?:\s+submission)?|non-record(?:\s+submission)?|sota\s+attempt|submission|wip|draft)\s*:\s*/i;

/** Splits on "+", ",", "&", " / " and " with " outside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === "(" || ch === "[") depth++;
    if ((ch === ")" || ch === "]") && depth > 0) depth--;
    const rest = text.slice(i);
    const sep = depth === 0 ? /^(?:\s*\+\s*|\s*,\s*|\s*&\s*|\s+\/\s+|\s+with\s+)/i.exec(rest) : null;
    if (sep) {
      parts.push(current);
      current = "";
      i += sep[0].length - 1;
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

export function recordTechniques(title: string): string[] {
  let text = title.replace(/\s+/g, " ");
  for (let i = 0; i < 3 && PREFIX.test(text); i++) text = text.replace(PREFIX, "");
  text = text
    // Score parts: "— val_bpb 1.08 (3-seed mean)", "(val_bpb: 1.1271)", "| val_bpb=1.05", "1.1570 BPB —".
    .replace(/\((?=[^)]*\d\.\d)[^)]*\)/g, " ")
    .replace(/\s[—–|-]+\s*(?:val[_ ]bpb|sliding|bpb|\d\.\d).*$/i, " ")
    .replace(/\bval[_ ]bpb\s*[:=]?\s*\d+\.\d+.*$/i, " ")
    .replace(/^\s*\d+\.\d+\s*bpb\s*[—–-]*\s*/i, " ")
    .replace(/\s*[—–]\s*/g, " + ");
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of splitTop(text)) {
    const name = raw.trim().replace(/^[-:|.\s]+|[-:|.\s]+$/g, "");
    if (!name || /\d\.\d{2,}|\bbpb\b/i.test(name) || /^\d+(\.\d+)?$/.test(name) || name.length > 60) continue;
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(name);
    if (out.length === 12) break;
  }
  return out;
}
