/**
 * `npm start`: the App as a webhook server. Reads APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH),
 * WEBHOOK_SECRET (all required; see src/io/app-credentials.ts), PORT (3000), HOST (localhost; 0.0.0.0 in a
 * container), WEBHOOK_PATH (/api/github/webhooks), WEBHOOK_MAX_BYTES, LOG_LEVEL, and GHE_HOST /
 * GHE_PROTOCOL for GitHub Enterprise Server; the app itself reads ANTHROPIC_API_KEY (and
 * ANTHROPIC_BASE_URL, CADDIE_MODEL). A missing credential is one clear line and exit code 2.
 */
import type { AddressInfo } from "node:net";
import { Probot } from "probot";
import { createCaddieApp } from "./app.ts";
import { readAppCredentials, readWebhookSecret, type Env } from "../io/app-credentials.ts";
import { createWebhookServer, DEFAULT_MAX_BODY_BYTES } from "./webhook-server.ts";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

export async function serve(env: Env): Promise<{ url: string; close: () => Promise<void> }> {
  const { appId, privateKey } = readAppCredentials(env);
  const secret = readWebhookSecret(env);
  const logLevel = LEVELS.has(env.LOG_LEVEL ?? "") ? (env.LOG_LEVEL as "info") : "info";
  const probot = new Probot({
    appId,
    privateKey,
    secret,
    logLevel,
    baseUrl: env.GHE_HOST
      ? `${env.GHE_PROTOCOL ?? "https"}://${env.GHE_HOST}/api/v3`
      : "https://api.github.com",
  });
  const max = Number(env.WEBHOOK_MAX_BYTES);
  const server = await createWebhookServer(createCaddieApp({ env }), {
    probot,
    maxBodyBytes: Number.isFinite(max) && max > 0 ? max : DEFAULT_MAX_BODY_BYTES,
    ...(env.WEBHOOK_PATH ? { webhooksPath: env.WEBHOOK_PATH } : {}),
  });
  const host = env.HOST ?? "localhost";
  await new Promise<void>((resolve) => server.listen(Number(env.PORT) || 3000, host, resolve));
  const { port } = server.address() as AddressInfo;
  probot.log.info(`caddie listening on http://${host}:${port}${env.WEBHOOK_PATH ?? "/api/github/webhooks"}`);
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
