/**
 * The file-editing tools the LLM proposer uses, applied to an in-memory copy of the allow-listed files.
 * A tool call that names another path, or an edit that does not match exactly once, is answered with an
 * error the model can read and correct; nothing outside the copy is ever touched.
 */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { normalizeRepoPath } from "../core/allow-list.ts";

export const FILE_TOOLS: Tool[] = [
  {
    name: "edit_file",
    description: "Replace one exact, unique occurrence of old_string with new_string in an allowed file.",
    input_schema: {
      type: "object",
      properties: {
        path: { type: "string" },
        old_string: { type: "string", description: "Exact text to replace; must occur exactly once." },
        new_string: { type: "string" },
      },
      required: ["path", "old_string", "new_string"],
    },
  },
  {
    name: "write_file",
    description: "Replace the whole content of an allowed file.",
    input_schema: {
      type: "object",
      properties: { path: { type: "string" }, content: { type: "string" } },
      required: ["path", "content"],
    },
  },
];

export interface ToolOutcome {
  ok: boolean;
  message: string;
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Applies one tool call to `files` (mutated in place); returns the tool_result text. */
export function applyFileTool(
  files: Record<string, string>,
  name: string,
  input: unknown,
  allow: string[],
): ToolOutcome {
  const args = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const path = typeof args.path === "string" ? normalizeRepoPath(args.path) : "";
  if (!allow.map(normalizeRepoPath).includes(path))
    return {
      ok: false,
      message: `refused: '${String(args.path)}' is not an allowed file (${allow.join(", ")})`,
    };
  if (name === "write_file") {
    if (typeof args.content !== "string") return { ok: false, message: "write_file needs a string content" };
    files[path] = args.content;
    return { ok: true, message: `wrote ${path} (${Buffer.byteLength(args.content)} bytes)` };
  }
  if (name === "edit_file") {
    const current = files[path];
    if (current === undefined)
      return { ok: false, message: `${path} does not exist; use write_file to create it` };
    if (typeof args.old_string !== "string" || typeof args.new_string !== "string" || args.old_string === "")
      return { ok: false, message: "edit_file needs non-empty old_string and a new_string" };
    const n = count(current, args.old_string);
    if (n !== 1)
      return { ok: false, message: `old_string occurs ${n} times in ${path}; it must occur exactly once` };
    files[path] = current.replace(args.old_string, () => args.new_string as string);
    return { ok: true, message: `edited ${path}` };
  }
  return { ok: false, message: `unknown tool ${name}` };
}
