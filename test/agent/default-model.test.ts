/**
 * The default model is one constant used everywhere, and the installed SDK does not call it deprecated.
 * The SDK warns (console.warn) when a request names a model in its deprecation table; these tests send a
 * real request through the SDK to the local Messages API fake and fail when that warning appears.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_MODEL } from "../../src/core/default-model.ts";
import { parseConfig } from "../../src/core/config.ts";
import { INIT_CONFIG } from "../../src/local/commands/init.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic.ts";

let fake: FakeAnthropic;
const apiKey = ["test", "key", String(process.pid)].join("-");

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey, respond: () => ({ content: [{ type: "text", text: "ok" }] }) });
});
afterAll(() => fake.close());

/** Sends one request naming `model` and returns what the SDK printed through console.warn. */
async function warningsFor(model: string): Promise<string[]> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const client = new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0 });
    await client.messages.create({ model, max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    return warn.mock.calls.map((call) => call.map(String).join(" "));
  } finally {
    warn.mockRestore();
  }
}

/** The model names of the SDK's deprecation table, read from its source (it is not exported). */
function sdkDeprecatedModels(): string[] | null {
  const sdkIndex = fileURLToPath(import.meta.resolve("@anthropic-ai/sdk"));
  const file = path.join(path.dirname(sdkIndex), "resources", "messages", "messages.mjs");
  const table = /DEPRECATED_MODELS\s*=\s*\{([^}]*)\}/.exec(readFileSync(file, "utf8"));
  if (!table) return null;
  return [...(table[1] ?? "").matchAll(/['"]([^'"]+)['"]\s*:/g)].map((m) => m[1] ?? "");
}

describe("the default model", () => {
  it("is the config default and what caddie init writes", () => {
    expect(parseConfig(null).agent.model).toBe(DEFAULT_MODEL);
    expect(INIT_CONFIG).toContain(`  model: ${DEFAULT_MODEL}\n`);
  });

  it("draws no deprecation warning from the installed SDK", async () => {
    const warnings = await warningsFor(DEFAULT_MODEL);
    expect(warnings.filter((w) => /deprecat|end-of-life/i.test(w))).toEqual([]);
    expect(fake.requests.at(-1)?.model).toBe(DEFAULT_MODEL);
  });

  it("is not in the SDK's deprecation table, whose warnings this test can see", async () => {
    const deprecated = sdkDeprecatedModels();
    // When the SDK moves its table, this check must be moved with it rather than pass silently.
    expect(deprecated, "DEPRECATED_MODELS not found in @anthropic-ai/sdk").not.toBeNull();
    expect(deprecated).not.toContain(DEFAULT_MODEL);
    const listed = deprecated?.[0];
    if (listed !== undefined) expect((await warningsFor(listed)).join("\n")).toMatch(/deprecated/);
  });
});
