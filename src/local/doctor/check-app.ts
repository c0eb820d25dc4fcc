/**
 * The GitHub App's settings, from the environment `npm start` reads: APP_ID, the private key (PRIVATE_KEY,
 * or a file at PRIVATE_KEY_PATH) and WEBHOOK_SECRET. What the server refuses to start without is its own
 * rule (src/io/app-credentials.ts); the doctor adds what it can check early: a numeric App ID, a key
 * that parses as RSA (GitHub signs App JWTs with RS256), a secret long enough not to be guessed.
 */
import { createPrivateKey } from "node:crypto";
import { MissingCredential, readPrivateKey, readWebhookSecret } from "../../io/app-credentials.ts";
import { fail, ok, warn, type Check } from "./check.ts";

/** GitHub generates webhook secrets of this length and more; a shorter one is guessable. */
const MIN_SECRET_CHARS = 16;
const KEY_FIX = "download a private key from the App's settings page; set PRIVATE_KEY_PATH to the .pem file";
const SECRET_FIX =
  "set WEBHOOK_SECRET to the webhook secret of the App's settings page (a long random string)";

function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keyCheck(env: Record<string, string | undefined>): Check {
  const from = env.PRIVATE_KEY ? "PRIVATE_KEY" : `PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH ?? ""}`.trim();
  let pem: string;
  try {
    pem = readPrivateKey(env);
  } catch (error) {
    if (error instanceof MissingCredential) return fail("private key", why(error), KEY_FIX);
    throw error;
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa")
      return fail(
        "private key",
        `${from}: it is an ${key.asymmetricKeyType ?? "unknown"} key, not RSA`,
        KEY_FIX,
      );
  } catch (error) {
    return fail("private key", `${from}: not a readable PEM private key (${why(error)})`, KEY_FIX);
  }
  return ok("private key", `${from} (RSA)`);
}

function secretCheck(env: Record<string, string | undefined>): Check {
  let secret: string;
  try {
    secret = readWebhookSecret(env);
  } catch (error) {
    if (error instanceof MissingCredential) return fail("webhook secret", why(error), SECRET_FIX);
    throw error;
  }
  if (secret.length < MIN_SECRET_CHARS)
    return warn("webhook secret", `WEBHOOK_SECRET has only ${secret.length} characters`, SECRET_FIX);
  return ok("webhook secret", `WEBHOOK_SECRET set (${secret.length} characters)`);
}

export function checkApp(env: Record<string, string | undefined>): Check[] {
  const appId = env.APP_ID?.trim() ?? "";
  return [
    /^[1-9]\d*$/.test(appId)
      ? ok("APP_ID", appId)
      : fail(
          "APP_ID",
          appId === "" ? "APP_ID is not set" : `APP_ID '${appId}' is not a number`,
          "set APP_ID to the App ID on your App's settings page (register it from app.yml)",
        ),
    keyCheck(env),
    secretCheck(env),
  ];
}
