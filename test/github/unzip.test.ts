import { describe, expect, it } from "vitest";
import { unzip } from "../../src/github/unzip.ts";
import { zip } from "../fakes/github/zip.ts";

describe("unzip", () => {
  it("reads back what was zipped", () => {
    const files = unzip(zip({ "run.json": '{"a":1}', "train.log": "line\n".repeat(1000) }));
    expect([...files.keys()]).toEqual(["run.json", "train.log"]);
    expect(files.get("train.log")?.toString()).toBe("line\n".repeat(1000));
  });

  it("refuses corrupt, oversized and crowded archives", () => {
    const data = zip({ "a.txt": "hello world hello world" });
    const corrupt = Buffer.from(data);
    corrupt[35] = (corrupt[35] ?? 0) ^ 0xff;
    expect(() => unzip(corrupt)).toThrow(/not a readable zip/);
    expect(() => unzip(zip({ "a.txt": "x".repeat(100) }), { maxEntries: 10, maxEntryBytes: 10 })).toThrow(
      /at most 10/,
    );
    expect(() => unzip(zip({ a: "1", b: "2" }), { maxEntries: 1, maxEntryBytes: 100 })).toThrow(/2 entries/);
    expect(() => unzip(Buffer.from("not a zip at all, really not"))).toThrow(/no end of central directory/);
  });
});
