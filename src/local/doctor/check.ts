/** One line of `caddie doctor`: what was checked, how it went, and how to fix it when it did not. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  /** Short name of what was checked: "git", "config", "data", ... */
  name: string;
  status: CheckStatus;
  /** What was found, naming the file, path or value. */
  detail: string;
  /** How to fix it (warn and fail only). */
  fix?: string;
}

export const ok = (name: string, detail: string): Check => ({ name, status: "ok", detail });
export const warn = (name: string, detail: string, fix?: string): Check => ({
  name,
  status: "warn",
  detail,
  ...(fix ? { fix } : {}),
});
export const fail = (name: string, detail: string, fix: string): Check => ({
  name,
  status: "fail",
  detail,
  fix,
});

/** One line per check, fix hints indented under the line they fix. */
export function renderChecks(checks: Check[]): string {
  const width = Math.max(0, ...checks.map((c) => c.name.length));
  return checks
    .map((c) => {
      const line = `${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`;
      return c.fix ? `${line}\n${" ".repeat(width + 8)}fix: ${c.fix}` : line;
    })
    .join("\n");
}
