/**
 * The GitHub App's settings, from the environment `npm start` reads (probot): APP_ID, the private key
 * (PRIVATE_KEY, or a file at PRIVATE_KEY_PATH) and WEBHOOK_SECRET, each present and well-formed.
 */
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fail, ok, warn, type Check } from "./check.ts";

/** GitHub generates webhook secrets of this length and more; a shorter one is guessable. */
const MIN_SECRET_CHARS = 16;

/** PEM text as probot accepts it: with real newlines, `\n` escapes, or base64 of the PEM. */
function pemOf(value: string): string {
  const text = value.includes("\\n") ? value.replace(/\\n/g, "\n") : value;
  if (text.includes("-----BEGIN")) return text;
  return Buffer.from(text, "base64").toString("utf8");
}

function keyProblem(pem: string): string | null {
  try {
    const key = createPrivateKey(pemOf(pem));
    return key.asymmetricKeyType === "rsa"
      ? null
      : `it is an ${key.asymmetricKeyType ?? "unknown"} key, not RSA`;
  } catch (error) {
    return `it is not a readable PEM private key (${error instanceof Error ? error.message : String(error)})`;
  }
}

export async function checkApp(env: Record<string, string | undefined>): Promise<Check[]> {
  const checks: Check[] = [];
  const appId = env.APP_ID?.trim() ?? "";
  checks.push(
    /^[1-9]\d*$/.test(appId)
      ? ok("APP_ID", appId)
      : fail(
          "APP_ID",
          appId === "" ? "not set" : `'${appId}' is not a number`,
          "set APP_ID to the App ID on your App's settings page (register it from app.yml)",
        ),
  );
  const keyFix = "download a private key from the App's settings page; set PRIVATE_KEY_PATH to the .pem file";
  if (env.PRIVATE_KEY) {
    const problem = keyProblem(env.PRIVATE_KEY);
    checks.push(
      problem
        ? fail("private key", `PRIVATE_KEY: ${problem}`, keyFix)
        : ok("private key", "PRIVATE_KEY (RSA)"),
    );
  } else if (env.PRIVATE_KEY_PATH) {
    const text = await readFile(env.PRIVATE_KEY_PATH, "utf8").catch(() => null);
    const problem = text === null ? "cannot be read" : keyProblem(text);
    checks.push(
      problem
        ? fail("private key", `PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH}: ${problem}`, keyFix)
        : ok("private key", `${env.PRIVATE_KEY_PATH} (RSA)`),
    );
  } else checks.push(fail("private key", "neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set", keyFix));
  const secret = env.WEBHOOK_SECRET ?? "";
  const secretFix =
    "set WEBHOOK_SECRET to the webhook secret of the App's settings page (a long random string)";
  if (secret.trim() === "") checks.push(fail("webhook secret", "WEBHOOK_SECRET is not set", secretFix));
  else if (secret.length < MIN_SECRET_CHARS)
    checks.push(warn("webhook secret", `WEBHOOK_SECRET has only ${secret.length} characters`, secretFix));
  else checks.push(ok("webhook secret", `WEBHOOK_SECRET set (${secret.length} characters)`));
  return checks;
}
