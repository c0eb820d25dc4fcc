/**
 * Where caddie itself comes from, for the workflows `caddie init` writes: `owner/repo@ref`, pinned to a full
 * commit SHA (a tag or branch can be moved; a SHA cannot), with the ref kept as a comment. A ref that is
 * not a SHA is resolved with `git ls-remote`; when that is impossible (offline, unknown ref) the answer is
 * a clear refusal asking for the SHA, never a placeholder.
 */
import { Git } from "./git.ts";
import { UserError } from "../core/user-error.ts";

export interface CaddieSource {
  /** "owner/repo" on GitHub. */
  repo: string;
  /** The full 40-hex commit SHA the workflows are pinned to. */
  sha: string;
  /** What was asked for ("v1", "main", or the SHA itself), written as a comment beside the SHA. */
  ref: string;
}

const SPEC = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)@([^\s@]+)$/;
const SHA = /^[0-9a-f]{40}$/;

/** The commit `ref` names in `remote`: an annotated tag's commit first, then a tag, then a branch. */
function pick(lsRemote: string, ref: string): string | null {
  const refs = new Map<string, string>();
  for (const line of lsRemote.split("\n")) {
    const [sha, name] = line.trim().split(/\s+/);
    if (sha && name && SHA.test(sha)) refs.set(name, sha);
  }
  const names = ref.startsWith("refs/")
    ? [`${ref}^{}`, ref]
    : [`refs/tags/${ref}^{}`, `refs/tags/${ref}`, `refs/heads/${ref}`];
  for (const name of names) {
    const sha = refs.get(name);
    if (sha) return sha;
  }
  return null;
}

/**
 * Parses and pins `--source owner/repo@ref`. `gitBase` is where repositories are fetched from
 * (https://github.com; tests point it at local bare repositories).
 */
export async function resolveSource(spec: string, gitBase = "https://github.com"): Promise<CaddieSource> {
  const m = SPEC.exec(spec.trim());
  if (!m) throw new UserError(`--source must be owner/repo@ref (a commit SHA, tag or branch), got '${spec}'`);
  const repo = `${m[1]}/${m[2]}`;
  const ref = m[3] ?? "";
  if (SHA.test(ref.toLowerCase())) return { repo, sha: ref.toLowerCase(), ref };
  if (/^[0-9a-f]{7,39}$/i.test(ref))
    throw new UserError(`--source ${spec}: give the full 40-character commit SHA, not an abbreviation`);
  const url = `${gitBase.replace(/\/$/, "")}/${repo}`;
  const listed = await new Git(process.cwd(), { ...process.env, GIT_TERMINAL_PROMPT: "0" })
    .try(["ls-remote", "--tags", "--heads", url, ref, `${ref}^{}`])
    .catch(() => null);
  const sha = listed && listed.code === 0 ? pick(listed.stdout, ref) : null;
  if (!sha)
    throw new UserError(
      `cannot resolve '${ref}' in ${url} to a commit (${listed && listed.code === 0 ? "no such tag or branch" : "the repository could not be reached"}): ` +
        `pin caddie to a commit with --source ${repo}@<40-hex commit SHA>`,
    );
  return { repo, sha, ref };
}

/**
 * Without --source: a caddie checkout's GitHub origin at its HEAD commit, when that commit has been
 * pushed (a remote branch contains it); otherwise the user must say.
 */
export async function sourceOfCheckout(dir: string): Promise<CaddieSource> {
  const git = new Git(dir);
  const ask = "pass --source owner/repo@<40-hex commit SHA> (the caddie repository your workflows call)";
  const origin = await git.try(["remote", "get-url", "origin"]).catch(() => null);
  const repo = /github\.com[:/]([A-Za-z0-9-]+\/[A-Za-z0-9._-]+?)(?:\.git)?$/.exec(
    origin?.stdout.trim() ?? "",
  )?.[1];
  const head = await git.try(["rev-parse", "HEAD"]).catch(() => null);
  const pushed = await git
    .try(["branch", "-r", "--contains", "HEAD", "--list", "origin/*"])
    .catch(() => null);
  const branches = (pushed?.code === 0 ? pushed.stdout : "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.includes("->"));
  if (!repo || !head || head.code !== 0)
    throw new UserError(`this caddie checkout has no GitHub origin to pin the workflows to: ${ask}`);
  if (branches.length === 0)
    throw new UserError(`this caddie checkout's HEAD is not pushed to ${repo}: ${ask}`);
  const sha = head.stdout.trim();
  const branch = branches[0]?.replace(/^origin\//, "") ?? sha;
  return { repo, sha, ref: branch };
}
