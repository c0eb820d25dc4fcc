import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/core/user-error.ts";
import { measureArtifactFiles } from "../../src/io/measure-artifact.ts";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "caddie-measure-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, content);
  return full;
}

describe("measureArtifactFiles", () => {
  it("counts the code's UTF-8 bytes, not its characters, plus the model file's size", async () => {
    const source = "# π ≈ 3.14159 — größer\nprint('ok')\n";
    const code = await file("train_gpt.py", source);
    const model = await file("final_model.int8.ptz", Buffer.alloc(1234, 7));
    const result = await measureArtifactFiles({ code: [code], model });
    expect(Buffer.byteLength(source, "utf8")).toBeGreaterThan(source.length);
    expect(result).toMatchObject({
      code_bytes: Buffer.byteLength(source, "utf8"),
      model_bytes: 1234,
      artifact_bytes: Buffer.byteLength(source, "utf8") + 1234,
      limit: 16_000_000,
      ok: true,
      mismatch: false,
    });
  });

  it("adds up several code files and counts a file named twice once", async () => {
    const a = await file("train_gpt.py", "a".repeat(100));
    const b = await file("helper.py", "b".repeat(50));
    const model = await file("m.ptz", "m".repeat(10));
    const result = await measureArtifactFiles({ code: [a, b, path.join(dir, ".", "train_gpt.py")], model });
    expect(result.code_bytes).toBe(150);
    expect(result.artifact_bytes).toBe(160);
  });

  it("fails the gate over the limit and reports a log that disagrees", async () => {
    const code = await file("train_gpt.py", "x".repeat(60));
    const model = await file("m.ptz", "y".repeat(50));
    const result = await measureArtifactFiles({ code: [code], model, limit: 100, logArtifactBytes: 109 });
    expect(result).toMatchObject({ artifact_bytes: 110, ok: false, mismatch: true, log_artifact_bytes: 109 });
  });

  it("rejects a missing code file, naming it", async () => {
    const model = await file("m.ptz", "y");
    await expect(measureArtifactFiles({ code: [path.join(dir, "nope.py")], model })).rejects.toThrow(
      `code file not found: ${path.join(dir, "nope.py")}`,
    );
  });

  it("rejects an empty code list", async () => {
    const model = await file("m.ptz", "y");
    await expect(measureArtifactFiles({ code: [], model })).rejects.toThrow(UserError);
  });

  it("rejects a missing, empty or directory model file", async () => {
    const code = await file("train_gpt.py", "x");
    await expect(measureArtifactFiles({ code: [code], model: path.join(dir, "none.ptz") })).rejects.toThrow(
      /model file not found/,
    );
    const empty = await file("empty.ptz", "");
    await expect(measureArtifactFiles({ code: [code], model: empty })).rejects.toThrow(/model file is empty/);
    await mkdir(path.join(dir, "sub"));
    await expect(measureArtifactFiles({ code: [code], model: path.join(dir, "sub") })).rejects.toThrow(
      /not a regular file/,
    );
  });

  it("rejects a limit that is not a positive whole number", async () => {
    const code = await file("train_gpt.py", "x");
    const model = await file("m.ptz", "y");
    await expect(measureArtifactFiles({ code: [code], model, limit: 0 })).rejects.toThrow(UserError);
    await expect(measureArtifactFiles({ code: [code], model, limit: 2.5 })).rejects.toThrow(
      /positive whole number/,
    );
  });
});
