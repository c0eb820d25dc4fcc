/**
 * Hidden markers that let the bot find what it wrote: an HTML comment no reader sees. Written and read
 * by this one helper so writer and reader cannot drift. Markers only locate text; what the bot acts on
 * is re-derived from GitHub and caddie/state, because anyone who can edit the text can edit a marker.
 */
export function marker(name: string, value = ""): string {
  return `<!-- caddie:${name}${value ? ` ${value}` : ""} -->`;
}

export function hasMarker(body: string | null | undefined, name: string, value = ""): boolean {
  return (body ?? "").includes(marker(name, value));
}

export const RESULTS_MARKER = "results-issue";
export const REPORT_MARKER = "report";
export const ANALYSIS_MARKER = "analysis";
export const REPLY_MARKER = "reply";
export const CONFIG_MARKER = "config";
export const PROMOTION_MARKER = "promotion";
export const CHECK_MARKER = "check";
