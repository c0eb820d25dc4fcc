/**
 * The sticky report comment of an experiment pull request: found among the App's own comments by its
 * hidden marker and updated in place, or created once. Finding it each time (instead of remembering its
 * id) keeps publishing free of state writes, so it runs outside the repository's lock.
 */
import { hasMarker, REPORT_MARKER } from "./markers.ts";
import type { RepoSession } from "./repo-session.ts";

export async function upsertReport(
  session: RepoSession,
  id: string,
  pr: number,
  body: string,
  first: boolean,
): Promise<void> {
  // The first report of an experiment has nothing to update: skip the search.
  if (first) {
    await session.gh.rest.issues.createComment({ ...session.repo, issue_number: pr, body });
    return;
  }
  const login = await session.app.botLogin();
  const comments = await session.gh.paginate(session.gh.rest.issues.listComments, {
    ...session.repo,
    issue_number: pr,
    per_page: 100,
  });
  const mine = comments.find((c) => c.user?.login === login && hasMarker(c.body, REPORT_MARKER, id));
  if (mine) {
    if (mine.body !== body)
      await session.gh.rest.issues.updateComment({ ...session.repo, comment_id: mine.id, body });
    return;
  }
  await session.gh.rest.issues.createComment({ ...session.repo, issue_number: pr, body });
}
