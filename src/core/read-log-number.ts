/** A number read from a log line, with the unit glued to it (`600038ms` -> 600038, "ms"). */
export interface LogNumber {
  /** May be NaN or +-Infinity when the log printed `nan` / `inf`: callers decide what that means. */
  value: number;
  /** Letters right after the number (`ms`, `m`, `s`, `x`), "" when none. */
  unit: string;
  /** The number as printed, e.g. "1.22436570" or "nan". */
  token: string;
}

// A number, or Python's spellings of the non-finite floats, then the unit letters glued to it, then
// the end of the token. The end matters: in a source-code header, `{val_bpb:.4f}` is a format spec.
const NUMBER =
  /([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)(?![A-Za-z]))([A-Za-z%]*)(?=$|[\s,;)\]|/"'])/iy;

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
  );
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Reads the number after `key` in one log line, whichever way the script spelled it:
 * `key:1.5`, `key: 1.5`, `key=1.5`, `key = 1.5`. The key must stand alone (`val_bpb` does not match
 * `pre_val_bpb` or `val_bpb_mean`). Occurrences whose value is not a number (`val_bpb:enabled`) are
 * skipped; the first numeric one wins. Returns null when there is none.
 *
 * @example readLogNumber("stopping_early: wallclock_cap train_time: 588136ms", "train_time")
 *   // { value: 588136, unit: "ms", token: "588136" }
 */
export function readLogNumber(line: string, key: string): LogNumber | null {
  let from = 0;
  for (;;) {
    const at = line.indexOf(key, from);
    if (at < 0) return null;
    from = at + key.length;
    if (at > 0 && isWordChar(line.charCodeAt(at - 1))) continue;
    let i = from;
    while (i < line.length && isBlank(line.charCodeAt(i))) i++;
    const sep = line.charCodeAt(i);
    if (sep !== 58 /* : */ && sep !== 61 /* = */) continue;
    i++;
    while (i < line.length && isBlank(line.charCodeAt(i))) i++;
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(line);
    if (!match) continue;
    const token = match[1] ?? "";
    const unit = match[2] ?? "";
    return { value: toNumber(token), unit, token };
  }
}

function toNumber(token: string): number {
  const lower = token.toLowerCase();
  const sign = lower.startsWith("-") ? -1 : 1;
  const bare = lower.replace(/^[-+]/, "");
  if (bare === "nan") return Number.NaN;
  if (bare === "inf" || bare === "infinity") return sign * Number.POSITIVE_INFINITY;
  return Number(token);
}
