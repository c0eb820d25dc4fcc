/**
 * The App's credentials from the environment, checked before anything starts: the App id, its private key
 * (PRIVATE_KEY, or PRIVATE_KEY_PATH), and for a webhook server the webhook secret. Without the secret,
 * probot would fall back to the well-known secret "development" and accept forged deliveries; without the
 * key it would start a setup wizard. Caddie refuses to start instead, saying what is missing.
 */
import { readFileSync } from "node:fs";

export type Env = Record<string, string | undefined>;

export class MissingCredential extends Error {}

export interface AppCredentials {
  appId: string;
  privateKey: string;
}

export function readPrivateKey(env: Env): string {
  if (env.PRIVATE_KEY) return env.PRIVATE_KEY.replace(/\\n/g, "\n");
  if (env.PRIVATE_KEY_PATH) {
    try {
      return readFileSync(env.PRIVATE_KEY_PATH, "utf8");
    } catch (error) {
      throw new MissingCredential(
        `cannot read PRIVATE_KEY_PATH (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  throw new MissingCredential("set PRIVATE_KEY (or PRIVATE_KEY_PATH) to the App's private key");
}

export function readAppCredentials(env: Env): AppCredentials {
  if (!env.APP_ID) throw new MissingCredential("set APP_ID to the App's id (its settings page)");
  const privateKey = readPrivateKey(env);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    throw new MissingCredential("the private key is not a PEM private key (-----BEGIN ... PRIVATE KEY-----)");
  return { appId: env.APP_ID, privateKey };
}

/** The webhook secret, required: every delivery's signature is checked against it. */
export function readWebhookSecret(env: Env): string {
  const secret = env.WEBHOOK_SECRET ?? "";
  if (secret === "")
    throw new MissingCredential(
      "set WEBHOOK_SECRET to the App's webhook secret: without it every delivery would be accepted unsigned",
    );
  if (secret === "development")
    throw new MissingCredential("WEBHOOK_SECRET is probot's public default 'development'; set a real secret");
  return secret;
}
