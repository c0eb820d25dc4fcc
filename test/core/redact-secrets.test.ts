import { describe, expect, it } from "vitest";
import { REDACTED, redactSecrets } from "../../src/core/sanitize.ts";

// Built at run time, so no token-shaped literal sits in the repository for secret scanners to flag.
const fake = (...parts: string[]) => parts.join("");

describe("redactSecrets", () => {
  it.each([
    ["a Modal token id", fake("ak-", "A1b2C3d4E5f6G7h8I9j0K1")],
    ["a Modal token secret", fake("as-", "Z9y8X7w6V5u4T3s2R1q0P9")],
    ["a Hugging Face token", fake("hf_", "a".repeat(34))],
    ["an Anthropic key", fake("sk-ant-", "api03-", "b".repeat(40))],
    ["a GitHub installation token", fake("ghs_", "c".repeat(36))],
    ["an AWS access key id", fake("AKIA", "IOSFODNN7EXAMPLE")],
  ])("redacts %s", (_what, token) => {
    expect(redactSecrets(`leaked ${token} here`)).toBe(`leaked ${REDACTED} here`);
  });

  it("keeps the name of a secret setting and redacts its value", () => {
    const value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    expect(redactSecrets(`MODAL_TOKEN_SECRET=${value}`)).toBe(`MODAL_TOKEN_SECRET=${REDACTED}`);
    expect(redactSecrets(`aws_secret_access_key = ${value}`)).toBe(`aws_secret_access_key = ${REDACTED}`);
    expect(redactSecrets(`{"api_key": "${value}"}`)).toBe(`{"api_key": "${REDACTED}"}`);
    expect(redactSecrets(`Authorization: Bearer ${value}`)).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it("leaves settings and log lines that only look like assignments alone", () => {
    const text = [
      "tokenizer_path=./data/tokenizers/fineweb_1024_bpe.model",
      "val_loader:shards pattern=./data/datasets/fineweb10B_sp1024/fineweb_val_*.bin tokens:62021632",
      "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570",
      "train_batch_tokens:524288 train_seq_len:1024",
    ].join("\n");
    expect(redactSecrets(text)).toBe(text);
  });

  it("stays linear on a long run of word characters", () => {
    const text = `${"a".repeat(200_000)}=${"b".repeat(20)}`;
    expect(redactSecrets(text)).toBe(text);
  });
});
