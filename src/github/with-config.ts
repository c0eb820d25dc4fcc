/**
 * Work that needs the repository's config runs only when the config on the default branch is usable.
 * No config: idle (the repository has not run `caddie init`). A broken config is reported once on the
 * results issue and the bot then does nothing rather than guess.
 */
import { GitHubStore } from "./github-store.ts";
import { readConfig, ready, stateBranch, type ReadySession, type RepoSession } from "./repo-session.ts";
import { refreshResultsIssue } from "./results-issue.ts";
import { inline } from "../core/safe-markdown.ts";

/** Why work that needs the config did not run. */
export type Unready = "idle: no config" | "config error";

async function reportConfigError(session: RepoSession, error: string): Promise<void> {
  const store = await GitHubStore.open(stateBranch(session));
  if (store.bot().configError === error) return;
  session.log.warn({ error }, "config error");
  await refreshResultsIssue(session, store, { kind: "config-error", error }, null);
  const issue = store.bot().resultsIssue;
  if (issue !== null)
    await session.gh.rest.issues.createComment({
      ...session.repo,
      issue_number: issue,
      body: `The config is broken, so caddie is doing nothing until it is fixed:\n\n> ${inline(error, 2000)}`,
    });
  store.setBot({ ...store.bot(), configError: error });
  await store.flush("config error reported");
}

/** Loads the config; runs `work` only when it is usable. */
export async function withConfig<T>(
  session: RepoSession,
  work: (ready: ReadySession) => Promise<T>,
): Promise<T | Unready> {
  const loaded = await readConfig(session);
  if (loaded.kind === "missing") {
    session.log.info("no .github/caddie.yml on the default branch: idle (run `caddie init`)");
    return "idle: no config";
  }
  if (loaded.kind === "error") {
    await reportConfigError(session, loaded.error);
    return "config error";
  }
  const r = await ready(session, loaded.config, loaded.program);
  if (r.store.bot().configError !== null) r.store.setBot({ ...r.store.bot(), configError: null });
  return work(r);
}

/** The session when the config is usable, else null (commands still answer with a broken config). */
export async function readyOrNull(session: RepoSession): Promise<ReadySession | null> {
  const loaded = await readConfig(session);
  return loaded.kind === "ok" ? ready(session, loaded.config, loaded.program) : null;
}
