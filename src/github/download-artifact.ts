/**
 * Downloads one workflow-run artifact and unzips it, treating it as untrusted: expired or oversized
 * artifacts are refused before download (and a download larger than the listing said is refused too),
 * and a malformed zip is an error, never a crash. `keep` names the entries wanted in memory; the others are
 * only checked and measured (unzip.ts).
 */
import type { GitHubClient, RepoRef } from "./github-client.ts";
import { unzip } from "./unzip.ts";

/** The most an artifact may weigh before the bot refuses to download it. */
export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

export interface ArtifactRef {
  id: number;
  name: string;
  expired: boolean;
  size_in_bytes: number;
}

export type ArtifactFiles =
  { ok: true; files: Map<string, Buffer>; sizes: Map<string, number> } | { ok: false; error: string };

export async function downloadArtifact(
  gh: GitHubClient,
  repo: RepoRef,
  artifact: ArtifactRef,
  keep?: (name: string) => boolean,
): Promise<ArtifactFiles> {
  if (artifact.expired) return { ok: false, error: `the '${artifact.name}' artifact has expired` };
  const tooBig = (bytes: number) =>
    `the '${artifact.name}' artifact is ${bytes} bytes (at most ${MAX_ARTIFACT_BYTES})`;
  if (artifact.size_in_bytes > MAX_ARTIFACT_BYTES)
    return { ok: false, error: tooBig(artifact.size_in_bytes) };
  const download = await gh.rest.actions.downloadArtifact({
    ...repo,
    artifact_id: artifact.id,
    archive_format: "zip",
  });
  const data = download.data;
  const bytes =
    data instanceof ArrayBuffer
      ? Buffer.from(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(String(data));
  if (bytes.length > MAX_ARTIFACT_BYTES) return { ok: false, error: tooBig(bytes.length) };
  try {
    const { files, sizes } = await unzip(bytes, keep ? { keep } : {});
    return { ok: true, files, sizes };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
