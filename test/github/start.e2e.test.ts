import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Harness } from "../fakes/github/harness.ts";
import { deliver, dispatchPayload } from "../fakes/github/webhooks.ts";
import { repoRoot } from "../helpers/shared.ts";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const START = [process.execPath, ["--import", "tsx", "src/github/index.ts"]] as const;

function env(h: Harness, port: number, over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    APP_ID: "123",
    PRIVATE_KEY: Harness.keys().privateKey,
    WEBHOOK_SECRET: "webhook-secret",
    GHE_HOST: h.fake.url.replace("http://", ""),
    GHE_PROTOCOL: "http",
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...over,
  };
}

describe(
  "the app as a process (npm start), configured only by environment variables",
  { timeout: 180_000 },
  () => {
    let h: Harness;
    let child: ChildProcess | null = null;
    afterEach(async () => {
      child?.kill("SIGTERM");
      child = null;
      await h.close();
    });

    async function started(over: Record<string, string> = {}): Promise<string> {
      const port = await freePort();
      child = spawn(START[0], [...START[1]], { cwd: repoRoot, env: env(h, port, over), stdio: "ignore" });
      const url = `http://127.0.0.1:${port}/api/github/webhooks`;
      let status = 0;
      // Up to a minute for tsx to start the server on a loaded machine (a guard, not a timing assertion).
      for (let i = 0; i < 600 && status === 0; i++) {
        status = await deliver(
          url,
          "webhook-secret",
          "repository_dispatch",
          dispatchPayload(h.fake, "caddie-tick"),
        ).then(
          (d) => d.status,
          () => new Promise<number>((resolve) => setTimeout(() => resolve(0), 100)),
        );
      }
      expect(status).toBe(200);
      return url;
    }

    it("starts, authenticates as the App against a GitHub Enterprise base URL, and reads the config from the default branch", async () => {
      h = await Harness.start({ config: null });
      await started();
      expect(h.fake.calls.map((c) => [c.operationId, c.auth])).toEqual([
        ["apps/create-installation-access-token", "jwt"],
        ["git/get-ref", "token"],
        ["repos/get-content", "token"],
      ]);
      expect(h.fake.violations).toEqual([]);
    });

    it("refuses to start without a webhook secret (probot would fall back to 'development'), or a private key", async () => {
      h = await Harness.start({ config: null });
      const port = await freePort();
      for (const [over, said] of [
        [{ WEBHOOK_SECRET: undefined }, /refusing to start: set WEBHOOK_SECRET/],
        [{ WEBHOOK_SECRET: "development" }, /refusing to start: WEBHOOK_SECRET is probot's public default/],
        [{ PRIVATE_KEY: undefined }, /refusing to start: set PRIVATE_KEY/],
      ] as const) {
        const out = spawnSync(START[0], [...START[1]], {
          cwd: repoRoot,
          env: env(h, port, over),
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(out.status).toBe(2);
        expect(out.stderr).toMatch(said);
      }
      expect(h.fake.calls).toEqual([]);
    });

    it("answers a forged (unsigned or wrongly signed) delivery 400 and does nothing", async () => {
      h = await Harness.start({ config: null });
      const url = await started();
      const before = h.fake.calls.length;
      const body = JSON.stringify(dispatchPayload(h.fake, "caddie-tick"));
      const headers = {
        "content-type": "application/json",
        "x-github-event": "repository_dispatch",
        "x-github-delivery": randomUUID(),
      };
      const unsigned = await fetch(url, { method: "POST", body, headers });
      const forged = await fetch(url, {
        method: "POST",
        body,
        headers: {
          ...headers,
          // Signed with the secret probot would have used had WEBHOOK_SECRET been missing.
          "x-hub-signature-256": `sha256=${createHmac("sha256", "development").update(body).digest("hex")}`,
        },
      });
      expect([unsigned.status, forged.status]).toEqual([400, 400]);
      expect(h.fake.calls.length).toBe(before);
    });

    it("refuses an oversized body with 413 before reading it, declared or streamed", async () => {
      h = await Harness.start({ config: null });
      const url = await started({ WEBHOOK_MAX_BYTES: "10000" });
      const before = h.fake.calls.length;
      const big = await deliver(url, "webhook-secret", "repository_dispatch", {
        ...dispatchPayload(h.fake, "caddie-tick"),
        padding: "x".repeat(20_000),
      });
      expect(big.status).toBe(413);
      const chunks = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1000)));
          controller.close();
        },
      });
      const streamed = await fetch(url, {
        method: "POST",
        body: chunks,
        duplex: "half",
        headers: { "content-type": "application/json", "x-github-event": "ping" },
      } as RequestInit);
      expect(streamed.status).toBe(413);
      expect(h.fake.calls.length).toBe(before);
    });
  },
);
