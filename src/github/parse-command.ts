/**
 * Slash commands in a comment. Only the first command line counts: a line whose first token is `/word`,
 * outside code fences and quotes. Arguments are `key=value`; unknown arguments and out-of-range values are
 * refused with a reason, never guessed.
 */
import { codeSpan } from "../core/safe-markdown.ts";

export type CommandName = "promote" | "rerun" | "discard" | "keep" | "pause" | "resume" | "budget";

export const PR_COMMANDS: readonly CommandName[] = ["promote", "rerun", "discard", "keep"];
export const ISSUE_COMMANDS: readonly CommandName[] = ["pause", "resume", "budget"];
export const MAX_SEEDS = 5;
/** Longer comments are not read for commands (a command is one short line). */
export const MAX_COMMENT_CHARS = 20_000;

export type ParsedCommand =
  | { kind: "none" }
  | { kind: "command"; name: CommandName; seeds: number }
  | { kind: "invalid"; name: string; error: string };

const ALL: readonly string[] = [...PR_COMMANDS, ...ISSUE_COMMANDS];

export function parseCommand(body: string): ParsedCommand {
  if (body.length > MAX_COMMENT_CHARS) return { kind: "none" };
  let inFence = false;
  for (const raw of body.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || line.startsWith(">") || !line.startsWith("/")) continue;
    const [head = "", ...args] = line.split(/\s+/);
    const name = head.slice(1).toLowerCase();
    if (!/^[a-z][a-z-]{0,30}$/.test(name)) continue;
    if (!ALL.includes(name))
      return {
        kind: "invalid",
        name,
        error: `unknown command \`/${name.slice(0, 30)}\`; known: ${ALL.map((c) => `/${c}`).join(", ")}`,
      };
    let seeds = 1;
    for (const arg of args) {
      const match = /^seeds=(\d{1,3})$/.exec(arg);
      if (!match || (name !== "promote" && name !== "rerun"))
        return {
          kind: "invalid",
          name,
          error: `\`/${name}\` does not take ${codeSpan(arg.slice(0, 40))}${name === "promote" || name === "rerun" ? " (only seeds=N)" : ""}`,
        };
      seeds = Number(match[1]);
      if (seeds < 1 || seeds > MAX_SEEDS)
        return { kind: "invalid", name, error: `seeds must be from 1 to ${MAX_SEEDS}` };
    }
    return { kind: "command", name: name as CommandName, seeds };
  }
  return { kind: "none" };
}
