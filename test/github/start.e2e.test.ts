import { spawn, type ChildProcess } from "node:child_process";
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

describe("the app as a process (probot run), configured only by environment variables", () => {
  let h: Harness;
  let child: ChildProcess | null = null;
  afterEach(async () => {
    child?.kill("SIGTERM");
    await h.close();
  });

  it("starts, authenticates as the App against a GitHub Enterprise base URL, and reads the config from the default branch", async () => {
    h = await Harness.start({ config: null });
    const port = await freePort();
    child = spawn(
      process.execPath,
      ["--import", "tsx", "node_modules/probot/bin/probot.js", "run", "./src/github/index.ts"],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          APP_ID: "123",
          PRIVATE_KEY: Harness.keys().privateKey,
          WEBHOOK_SECRET: "webhook-secret",
          GHE_HOST: h.fake.url.replace("http://", ""),
          GHE_PROTOCOL: "http",
          PORT: String(port),
          HOST: "127.0.0.1",
          LOG_LEVEL: "warn",
        },
        stdio: "ignore",
      },
    );
    const url = `http://127.0.0.1:${port}/api/github/webhooks`;
    let status = 0;
    for (let i = 0; i < 100 && status === 0; i++) {
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
    expect(h.fake.calls.map((c) => [c.operationId, c.auth])).toEqual([
      ["apps/create-installation-access-token", "jwt"],
      ["git/get-ref", "token"],
      ["repos/get-content", "token"],
    ]);
    expect(h.fake.violations).toEqual([]);
  });
});
