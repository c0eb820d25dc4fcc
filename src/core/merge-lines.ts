/**
 * A line-based three-way merge: both sides' changes against the common base are applied when they
 * replace different base lines; changes to the same lines, or an insertion where the other side changes
 * the neighbouring line, are a conflict (null). Unlike diff3 (and git merge-file), two replacements of
 * adjacent lines merge: training scripts keep one setting per line (MODEL_DIM above NUM_LAYERS), and a
 * change to each is independent. The merged experiment is trained and measured before it is kept, so a
 * wrong merge costs one run, never a wrong score. Used by both forges to carry an experiment onto a
 * research line that moved.
 */
interface Change {
  /** Replaced base lines [start, end). */
  start: number;
  end: number;
  lines: string[];
}

function diff(base: string[], other: string[]): Change[] {
  const n = base.length;
  const m = other.length;
  // LCS lengths from the end; fine for files of a few thousand lines.
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--)
      row[j] = base[i] === other[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
  }
  const changes: Change[] = [];
  let i = 0;
  let j = 0;
  let open: Change | null = null;
  while (i < n || j < m) {
    if (i < n && j < m && base[i] === other[j]) {
      if (open) changes.push(open);
      open = null;
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0))) {
      open ??= { start: i, end: i, lines: [] };
      open.lines.push(other[j] ?? "");
      j++;
    } else {
      open ??= { start: i, end: i, lines: [] };
      open.end = ++i;
    }
  }
  if (open) changes.push(open);
  return changes;
}

function same(a: Change, b: Change): boolean {
  return a.start === b.start && a.end === b.end && a.lines.join("\n") === b.lines.join("\n");
}

/** Merged text, or null on a conflict. */
export function mergeLines(base: string, ours: string, theirs: string): string | null {
  if (ours === base) return theirs;
  if (theirs === base || theirs === ours) return ours;
  const b = base.split("\n");
  const changes: Change[] = [];
  for (const c of [...diff(b, ours.split("\n")), ...diff(b, theirs.split("\n"))].sort(
    (x, y) => x.start - y.start || x.end - y.end,
  )) {
    const last = changes[changes.length - 1];
    if (last && same(last, c)) continue;
    // Overlapping base ranges conflict; so does an insertion touching the other change, whose order is ambiguous.
    const insertion = c.start === c.end || (last !== undefined && last.start === last.end);
    if (last && (c.start < last.end || (c.start === last.end && insertion))) return null;
    changes.push(c);
  }
  const out: string[] = [];
  let at = 0;
  for (const c of changes) {
    out.push(...b.slice(at, c.start), ...c.lines);
    at = c.end;
  }
  out.push(...b.slice(at));
  return out.join("\n");
}
