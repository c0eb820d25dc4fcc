/**
 * Work that needs the repository's config runs only when caddie can act on it. No config: idle (the
 * repository has not run `caddie init`). A config caddie cannot use (invalid, a missing brief, no way to
 * propose, an unknown or retired model, a rejected key: `SetupError`) is reported once, on the results
 * issue (created if needed) and in the App's log, with the fix; later deliveries stay quiet until the
 * config, the brief, the App's environment or the research line changes (the training script can be the
 * problem too). Then caddie looks again; the same problem found again is not posted a second time.
 */
import { createHash } from "node:crypto";
import { SetupError } from "../core/user-error.ts";
import { GitHubStore } from "./github-store.ts";
import { CONFIG_MARKER } from "./markers.ts";
import { postComment } from "./post-comment.ts";
import { httpStatus } from "./github-client.ts";
import { readConfig, ready, stateBranch, type ReadySession, type RepoSession } from "./repo-session.ts";
import { refreshResultsIssue } from "./results-issue.ts";
import { inline } from "../core/safe-markdown.ts";
import type { RepoConfig } from "./load-repo-config.ts";

/** Why work that needs the config did not run. */
export type Unready = "idle: no config" | "config error";

/** The research line's head commit, where caddie reads the training script; null when there is none yet. */
async function lineHead(session: RepoSession, loaded: Exclude<RepoConfig, { kind: "missing" }>) {
  if (loaded.kind !== "ok") return null;
  try {
    const ref = await session.gh.rest.git.getRef({
      ...session.repo,
      ref: `heads/${loaded.config.researchLine}`,
    });
    return ref.data.object.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/**
 * What a reported problem is tied to: the config and brief read, the environment the App runs in, and
 * the research line's head (the training script it trains).
 */
async function problemKey(
  session: RepoSession,
  loaded: Exclude<RepoConfig, { kind: "missing" }>,
): Promise<string> {
  const env = session.app.env;
  const key = env.ANTHROPIC_API_KEY;
  const line = await lineHead(session, loaded);
  return createHash("sha256")
    .update(
      JSON.stringify([
        loaded.fingerprint,
        line,
        // A short digest of the key: a new key is a change, and bot.json never holds the key.
        key ? createHash("sha256").update(key).digest("hex").slice(0, 8) : null,
        env.ANTHROPIC_BASE_URL ?? null,
        env.CADDIE_MODEL ?? null,
      ]),
    )
    .digest("hex")
    .slice(0, 16);
}

/**
 * Reports a problem once: the results issue's status, one comment there, the App's log. Found again after
 * a change that did not fix it, it is only recorded for what is there now.
 */
async function reportProblem(
  session: RepoSession,
  store: GitHubStore,
  error: string,
  key: string,
): Promise<void> {
  const before = store.bot();
  if (before.configErrorFor === key) return;
  if (before.configError === error) {
    session.log.info({ error }, "caddie still cannot act (already reported)");
    store.setBot({ ...before, configErrorFor: key });
    await store.flush("config error unchanged");
    return;
  }
  session.log.error({ error, repo: `${session.repo.owner}/${session.repo.repo}` }, "caddie cannot act");
  await refreshResultsIssue(session, store, { kind: "config-error", error }, null);
  const issue = store.bot().resultsIssue;
  if (issue !== null)
    await postComment(session, {
      issue,
      body: `caddie cannot act, so it is doing nothing until this is fixed (in \`.github/caddie.yml\`, the files it names, or the App's environment):\n\n> ${inline(error, 2000)}`,
      marker: { name: CONFIG_MARKER, value: key },
    });
  store.setBot({ ...store.bot(), configError: error, configErrorFor: key });
  await store.flush("config error reported");
}

/** The ready session, or why there is none (a problem is reported once, here). */
export async function openReady(session: RepoSession): Promise<ReadySession | Unready> {
  const loaded = await readConfig(session);
  if (loaded.kind === "missing") {
    session.log.info("no .github/caddie.yml on the default branch: idle (run `caddie init`)");
    return "idle: no config";
  }
  if (loaded.kind === "error") {
    const store = await GitHubStore.open(stateBranch(session));
    await reportProblem(session, store, loaded.error, await problemKey(session, loaded));
    return "config error";
  }
  let r: ReadySession;
  try {
    r = await ready(session, loaded.config, loaded.program);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    const store = await GitHubStore.open(stateBranch(session));
    await reportProblem(session, store, error.message, await problemKey(session, loaded));
    return "config error";
  }
  const bot = r.store.bot();
  if (bot.configErrorFor !== null) {
    // Reported for exactly what is there now: nothing has changed that could fix it.
    if (bot.configErrorFor === (await problemKey(session, loaded))) return "config error";
    // Something changed: caddie tries again (`configError` stays, so the same problem is not posted twice).
    r.store.setBot({ ...bot, configErrorFor: null });
  }
  return r;
}

/** Runs `work` only when caddie can act; a SetupError it meets is reported once, like a broken config. */
export async function withConfig<T>(
  session: RepoSession,
  work: (ready: ReadySession) => Promise<T>,
): Promise<T | Unready> {
  const r = await openReady(session);
  if (typeof r === "string") return r;
  try {
    return await work(r);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    await reportSetupError(r, error);
    return "config error";
  }
}

/** Reports a SetupError met while working (a rejected key, a retired model), on the session's own store. */
export async function reportSetupError(r: ReadySession, error: SetupError): Promise<void> {
  const loaded = r.runtime.config.entry;
  const key = loaded && loaded.kind !== "missing" ? await problemKey(r, loaded) : "";
  await reportProblem(r, r.store, error.message, key);
}

/** The session when the config is usable, else null (commands still answer with a broken config). */
export async function readyOrNull(session: RepoSession): Promise<ReadySession | null> {
  const loaded = await readConfig(session);
  if (loaded.kind !== "ok") return null;
  try {
    return await ready(session, loaded.config, loaded.program);
  } catch (error) {
    if (error instanceof SetupError) return null;
    throw error;
  }
}
