import { describe, expect, it } from "vitest";
import { crashHint } from "../../src/core/crash-hint.ts";

describe("crashHint", () => {
  it.each([
    [
      'RuntimeError: NOT_FOUND: "./data/tokenizers/fineweb_1024_bpe.model": No such file or directory',
      "./data/tokenizers/fineweb_1024_bpe.model",
    ],
    [
      "FileNotFoundError: [Errno 2] No such file or directory: './data/tokenizers/fineweb_1024_bpe.model'",
      "./data/tokenizers/fineweb_1024_bpe.model",
    ],
    [
      "FileNotFoundError: No files found for pattern: ./data/datasets/fineweb10B_sp1024/fineweb_train_*.bin",
      "./data/datasets/fineweb10B_sp1024/fineweb_train_*.bin",
    ],
    [
      "FileNotFoundError: no shards match ./data/datasets/sotu_byte260/fineweb_train_*.bin; build them with prepare.py and set DATA_PATH",
      "./data/datasets/sotu_byte260/fineweb_train_*.bin",
    ],
  ])("names the missing data in %s", (error, missing) => {
    const hint = crashHint(error);
    expect(hint).toContain(missing);
    expect(hint).toContain("data/");
  });

  it("names a missing module, a missing command and a missing GPU", () => {
    expect(crashHint("ModuleNotFoundError: No module named 'sentencepiece'")).toContain("sentencepiece");
    expect(crashHint("could not start torchrun: spawn torchrun ENOENT")).toContain(
      "torchrun is not on the PATH",
    );
    expect(crashHint("caddie sandbox: cannot start torchrun: No such file")).toContain("torchrun is not");
    expect(crashHint("bwrap: execvp torchrun: No such file or directory")).toContain("torchrun is not");
    expect(crashHint("RuntimeError: CUDA is required")).toContain("no GPU");
  });

  it("reads a whole log tail from its end", () => {
    const tail =
      "step:0/10 val_loss:1\nTraceback (most recent call last):\n  File x\nFileNotFoundError: No files found for pattern: ./d/*.bin\n";
    expect(crashHint(tail)).toContain("./d/*.bin");
  });

  it("says nothing when it has nothing to add", () => {
    expect(crashHint("ValueError: model_dim must be divisible by num_heads")).toBeNull();
    expect(crashHint(null)).toBeNull();
  });
});
