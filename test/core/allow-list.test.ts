import { describe, expect, it } from "vitest";
import { checkEdits } from "../../src/core/allow-list.ts";

describe("checkEdits", () => {
  it("accepts edits to allow-listed files, however the path is spelled", () => {
    expect(() => checkEdits([{ path: "./train_gpt.py" }], ["train_gpt.py"])).not.toThrow();
  });

  // .github/ is refused even when someone allow-lists it.
  const allow = ["train_gpt.py", ".github/caddie.yml", ".github/workflows/ci.yml"];

  it.each([
    [".github/workflows/ci.yml", "never changes .github/"],
    [".github/caddie.yml", "never changes .github/"],
    ["../train_gpt.py", "inside the repository"],
    ["/etc/passwd", "inside the repository"],
    [".git/config", "inside the repository"],
    ["README.md", "may be changed"],
  ])("refuses %s", (path, message) => {
    expect(() => checkEdits([{ path }], allow)).toThrow(message);
  });

  it("refuses a proposal that changes nothing", () => {
    expect(() => checkEdits([], ["train_gpt.py"])).toThrow("changes no file");
  });
});
