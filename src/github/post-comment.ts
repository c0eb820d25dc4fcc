/**
 * A comment the App posts exactly once: it carries a hidden marker, and after an uncertain answer the App
 * looks among its own comments on the issue for that marker before posting again (write-once.ts).
 */
import { marker } from "./markers.ts";
import type { RepoSession } from "./repo-session.ts";
import { writeOnce } from "./write-once.ts";

/** The App's own comment on `issue` that carries `tag` (a full marker), or null. */
export async function findOwnComment(
  session: RepoSession,
  issue: number,
  tag: string,
): Promise<{ id: number; body: string } | null> {
  const login = await session.app.botLogin();
  const comments = await session.gh.paginate(session.gh.rest.issues.listComments, {
    ...session.repo,
    issue_number: issue,
    per_page: 100,
  });
  const mine = comments.find((c) => c.user?.login === login && (c.body ?? "").includes(tag));
  return mine ? { id: mine.id, body: mine.body ?? "" } : null;
}

/** Posts `body` on `issue` once, marked with marker(name, value) (appended when the body lacks it). */
export async function postComment(
  session: RepoSession,
  input: { issue: number; body: string; marker: { name: string; value?: string } },
): Promise<void> {
  const tag = marker(input.marker.name, input.marker.value);
  const body = input.body.includes(tag) ? input.body : `${input.body}\n\n${tag}`;
  await writeOnce(
    async () => {
      await session.gh.rest.issues.createComment({ ...session.repo, issue_number: input.issue, body });
      return true;
    },
    async () => ((await findOwnComment(session, input.issue, tag)) ? true : null),
    session.app.writes,
  );
}
