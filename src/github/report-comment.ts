/**
 * The sticky report comment of an experiment pull request: found among the App's own comments by its
 * hidden marker and updated in place, or created once. Finding it each time (instead of remembering its
 * id) keeps publishing free of state writes, so it runs outside the repository's lock.
 */
import { marker, REPORT_MARKER } from "./markers.ts";
import { findOwnComment, postComment } from "./post-comment.ts";
import type { RepoSession } from "./repo-session.ts";

export async function upsertReport(
  session: RepoSession,
  id: string,
  pr: number,
  body: string,
  first: boolean,
): Promise<void> {
  const post = () => postComment(session, { issue: pr, body, marker: { name: REPORT_MARKER, value: id } });
  // The first report of an experiment has nothing to update: skip the search.
  if (first) return post();
  const mine = await findOwnComment(session, pr, marker(REPORT_MARKER, id));
  if (!mine) return post();
  if (mine.body !== body)
    await session.gh.rest.issues.updateComment({ ...session.repo, comment_id: mine.id, body });
}
