import { describe, expect, it } from "vitest";
import { applyFileTool } from "../../src/agent/file-tools.ts";

describe("applyFileTool", () => {
  const allow = ["train_gpt.py"];

  it("applies an edit that matches exactly once", () => {
    const files = { "train_gpt.py": "a = 1\nb = 2\n" };
    expect(
      applyFileTool(
        files,
        "edit_file",
        { path: "train_gpt.py", old_string: "b = 2", new_string: "b = 3" },
        allow,
      ),
    ).toEqual({ ok: true, message: "edited train_gpt.py" });
    expect(files["train_gpt.py"]).toBe("a = 1\nb = 3\n");
  });

  it("refuses ambiguous or missing matches without changing the file", () => {
    const files = { "train_gpt.py": "x\nx\n" };
    expect(
      applyFileTool(files, "edit_file", { path: "train_gpt.py", old_string: "x", new_string: "y" }, allow).ok,
    ).toBe(false);
    expect(
      applyFileTool(files, "edit_file", { path: "train_gpt.py", old_string: "z", new_string: "y" }, allow)
        .message,
    ).toMatch(/0 times/);
    expect(files["train_gpt.py"]).toBe("x\nx\n");
  });

  it("refuses paths outside the allow-list, including workflow files and traversal", () => {
    const files: Record<string, string> = { "train_gpt.py": "" };
    for (const path of [".github/workflows/ci.yml", "../train_gpt.py", "/etc/passwd", "README.md"]) {
      const r = applyFileTool(files, "write_file", { path, content: "x" }, allow);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/not an allowed file/);
    }
    expect(Object.keys(files)).toEqual(["train_gpt.py"]);
  });

  it("keeps $ patterns in replacements literally", () => {
    const files = { "train_gpt.py": "s = 'a'\n" };
    applyFileTool(
      files,
      "edit_file",
      { path: "train_gpt.py", old_string: "'a'", new_string: "'$&$1'" },
      allow,
    );
    expect(files["train_gpt.py"]).toBe("s = '$&$1'\n");
  });
});
