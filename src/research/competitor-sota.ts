import type { Competitor } from "./types.ts";

/**
 * SOTA = the best merged record-track entry within the cap (lower val_bpb is better). Unmerged, over-cap and
 * implausibly low entries never count: maintainers rule over-cap artifacts invalid (parameter-golf.md
 * section 1.2), and a score no real run reaches is a broken evaluation, not a target.
 */
export function competitorSota(competitors: readonly Competitor[]): Competitor | null {
  let best: Competitor | null = null;
  for (const c of competitors) {
    if (
      c.state !== "merged" ||
      !c.record_track ||
      c.flags.includes("over_cap") ||
      c.flags.includes("implausible")
    )
      continue;
    if (!best || c.val_bpb < best.val_bpb) best = c;
  }
  return best;
}
