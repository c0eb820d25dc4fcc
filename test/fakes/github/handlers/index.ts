/** Every operation the fake implements, keyed by GitHub's operationId. Others answer 501 and are recorded. */
import { actionHandlers } from "./actions.ts";
import { appHandlers } from "./apps.ts";
import { checkHandlers } from "./checks.ts";
import { gitHandlers } from "./git.ts";
import { issueHandlers } from "./issues.ts";
import { pullHandlers } from "./pulls.ts";
import { repoHandlers } from "./repos.ts";
import type { Handler } from "./types.ts";

export type { Handler, Reply } from "./types.ts";

export const handlers: Record<string, Handler> = {
  ...appHandlers,
  ...repoHandlers,
  ...gitHandlers,
  ...pullHandlers,
  ...issueHandlers,
  ...checkHandlers,
  ...actionHandlers,
};
