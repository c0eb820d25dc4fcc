import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GOLDEN_CASES } from "./cases.ts";

const expectedDir = path.join(import.meta.dirname, "expected");

describe("golden files of every renderer (npm run golden rewrites them)", () => {
  it.each(Object.keys(GOLDEN_CASES))("%s matches its checked-in file byte for byte", (name) => {
    const expected = readFileSync(path.join(expectedDir, name), "utf8");
    const render = GOLDEN_CASES[name];
    if (!render) throw new Error(`no case ${name}`);
    expect(render(), `${name} changed: review, then run 'npm run golden'`).toBe(expected);
  });
});
