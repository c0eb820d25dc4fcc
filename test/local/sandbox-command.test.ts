import { describe, expect, it } from "vitest";
import { programFolder } from "../../src/local/sandbox-command.ts";

describe("programFolder", () => {
  it("is the install folder of an interpreter given by path (a venv, a Node install)", () => {
    expect(programFolder("/tmp/caddie/.venv/bin/python", [])).toBe("/tmp/caddie/.venv");
    expect(programFolder("/usr/bin/python3", [])).toBe("/usr");
    expect(programFolder("/opt/tools/node-22/node", [])).toBe("/opt/tools/node-22");
  });

  it("binds nothing for a program found on PATH, or a folder holding something hidden", () => {
    expect(programFolder("python3", [])).toBeNull();
    expect(programFolder("/bin/true", [])).toBeNull();
    // A checkout whose .git and state are hidden: binding it would show them again.
    expect(programFolder("/work/repo/bin/train", ["/work/repo/.git", "/work/repo/.caddie"])).toBeNull();
    expect(programFolder("/work/repo/.venv/bin/python", ["/work/repo/.git"])).toBe("/work/repo/.venv");
  });
});
