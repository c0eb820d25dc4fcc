import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolvePython } from "../../src/local/caddie-paths.ts";
import { unzip } from "../../src/github/unzip.ts";
import { zip } from "../fakes/github/zip.ts";
import { overlapBomb } from "../fakes/github/zip-bomb.ts";

const here = path.dirname(new URL(import.meta.url).pathname);
const fixture = (name: string) => readFileSync(path.join(here, "zips", name));

/** A zip written by Python's zipfile to a pipe (not seekable): data descriptors, as GitHub's uploader writes. */
function pythonStreamingZip(files: Record<string, string>, zip64 = false): Buffer {
  const script = [
    "import json, sys, zipfile",
    "files = json.loads(sys.argv[1])",
    "with zipfile.ZipFile(sys.stdout.buffer, 'w', compression=zipfile.ZIP_DEFLATED) as z:",
    "    for name, text in files.items():",
    `        with z.open(name, 'w', force_zip64=${zip64 ? "True" : "False"}) as f:`,
    "            f.write(text.encode())",
  ].join("\n");
  const out = spawnSync(resolvePython(process.env), ["-c", script, JSON.stringify(files)], {
    encoding: "buffer",
  });
  if (out.status !== 0) throw new Error(out.stderr.toString());
  return out.stdout;
}

/** Offsets of each central entry in an archive our own writer made (for corrupting one field). */
function centralAt(data: Buffer, index: number): number {
  let at = data.readUInt32LE(data.length - 22 + 16);
  for (let i = 0; i < index; i++) at += 46 + data.readUInt16LE(at + 28);
  return at;
}

describe("unzip", () => {
  it("reads back what our writer zipped", async () => {
    const { files } = await unzip(zip({ "run.json": '{"a":1}', "train.log": "line\n".repeat(1000) }));
    expect([...files.keys()]).toEqual(["run.json", "train.log"]);
    expect(files.get("train.log")?.toString()).toBe("line\n".repeat(1000));
  });

  it("reads zips Python's zipfile streamed to a pipe (data descriptors), with and without zip64", async () => {
    const content = { "run.json": '{"exit_code": 0}', "train.log": "step:1 train_loss:2.0\n".repeat(500) };
    for (const zip64 of [false, true]) {
      const data = pythonStreamingZip(content, zip64);
      expect(data.readUInt16LE(6) & 0x8).toBe(0x8); // the local header says: sizes follow the data
      const { files } = await unzip(data);
      expect(Object.fromEntries([...files].map(([k, v]) => [k, v.toString()]))).toEqual(content);
    }
  });

  it("reads zips made by Info-ZIP: -fd (data descriptors), -fz (zip64 fields and end record), a pipe, folders", async () => {
    for (const name of ["fd.zip", "fz.zip"]) {
      const { files } = await unzip(fixture(name));
      expect([...files.keys()]).toEqual(["run.json", "train.log"]);
      expect(files.get("train.log")?.toString()).toMatch(/val_bpb:1\.22436570\n$/);
    }
    expect((await unzip(fixture("pipe.zip"))).files.get("-")?.toString()).toMatch(/^step:1\/400/);
    const dirs = await unzip(fixture("fd-dirs.zip"), { keep: (n) => !n.endsWith(".ptz") });
    expect([...dirs.files.keys()]).toEqual(["run.json"]);
    expect(dirs.sizes.get("modal-out/seed-1/final_model.int8.ptz")).toBe(3000);
  });

  it("refuses the overlap bomb (64 central entries over one local header) before inflating anything", async () => {
    const bomb = overlapBomb(64);
    expect(bomb.length).toBeLessThan(64 * 1024);
    // A reader that trusted the directory would get 32 MB of zeros from it (once): it is a real bomb.
    const once = await unzip(overlapBomb(1), { keep: () => false });
    expect(once.sizes.get("train.log")).toBe(32 * 1024 * 1024);
    // 64 x 32 MB = 2 GiB declared; refused by its structure, whatever the size limits say.
    await expect(unzip(bomb, { limits: { maxTotalBytes: 4 * 1024 ** 3 } })).rejects.toThrow(
      /64 entries share one local header/,
    );
  });

  it("refuses entries whose bytes overlap another's", async () => {
    const data = zip({ "a.txt": "a".repeat(100), "b.txt": "b".repeat(100) });
    const first = centralAt(data, 0);
    // a.txt now claims to run over b.txt's local header and data.
    data.writeUInt32LE(data.readUInt32LE(first + 20) + 40, first + 20);
    await expect(unzip(data)).rejects.toThrow(/overlaps/);
  });

  it("stops inflating at the declared size and refuses the rest of the malformed", async () => {
    const lying = zip({ "train.log": "x".repeat(100_000) });
    const at = centralAt(lying, 0);
    lying.writeUInt32LE(1000, at + 24); // declares 1,000 bytes; inflates to 100,000
    await expect(unzip(lying)).rejects.toThrow(/past its declared size/);

    const corrupt = zip({ "a.txt": "hello world hello world" });
    corrupt[35] = (corrupt[35] ?? 0) ^ 0xff;
    await expect(unzip(corrupt)).rejects.toThrow(/not a readable zip/);

    await expect(
      unzip(zip({ "a.txt": "x".repeat(100) }), { limits: { maxEntries: 10, maxEntryBytes: 10 } }),
    ).rejects.toThrow(/at most 10/);
    await expect(unzip(zip({ a: "1", b: "2" }), { limits: { maxEntries: 1 } })).rejects.toThrow(/2 entries/);
    await expect(unzip(Buffer.from("not a zip at all, really not"))).rejects.toThrow(/no end of central/);

    const twice = zip({ "a.txt": "1", "b.txt": "2" });
    const b = centralAt(twice, 1);
    twice.write("a", b + 46); // both central entries now say a.txt
    await expect(unzip(twice)).rejects.toThrow(/named differently|appears twice/);

    const encrypted = zip({ "a.txt": "1" });
    encrypted.writeUInt16LE(1, centralAt(encrypted, 0) + 8);
    await expect(unzip(encrypted)).rejects.toThrow(/encrypted/);

    const method = zip({ "a.txt": "1" });
    method.writeUInt16LE(12, centralAt(method, 0) + 10); // bzip2
    await expect(unzip(method)).rejects.toThrow(/compression method 12/);

    const truncated = zip({ "a.txt": "x".repeat(1000) });
    await expect(unzip(truncated.subarray(0, truncated.length - 30))).rejects.toThrow(/not a readable zip/);

    const zip64 = zip({ "a.txt": "1" });
    zip64.writeUInt32LE(0xffffffff, centralAt(zip64, 0) + 24);
    await expect(unzip(zip64)).rejects.toThrow(/zip64/);
  });

  it("measures but does not keep entries the caller does not want", async () => {
    const { files, sizes } = await unzip(zip({ "model.ptz": Buffer.alloc(5000, 7), "run.json": "{}" }), {
      keep: (name) => name !== "model.ptz",
    });
    expect([...files.keys()]).toEqual(["run.json"]);
    expect(sizes.get("model.ptz")).toBe(5000);
  });
});
