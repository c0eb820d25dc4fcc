/**
 * Opens one experiment: commits the proposal on top of the research line (the forge refuses paths
 * outside the allow-list), opens a pull request whose body is the REASONING block, labels it, records it
 * in bot.json, and dispatches its training (dispatch-training.ts): the pull request itself starts nothing.
 */
import { formatReasoning } from "../core/notes.ts";
import type { Proposal } from "../engine/ports.ts";
import type { PendingExperiment } from "./bot-state.ts";
import { dispatchTraining } from "./dispatch-training.ts";
import { experimentBranch } from "./github-forge.ts";
import { fenced, inline, plainTitle } from "../core/safe-markdown.ts";
import { marker } from "./markers.ts";
import type { ReadySession } from "./repo-session.ts";
import { commitMessage } from "../engine/commit-message.ts";
import { writeOnce } from "./write-once.ts";

export function renderPullBody(id: string, proposal: Proposal): string {
  return [
    marker("experiment", id),
    // The model's own words: shown as written, in a code block, where nothing links, pings or renders.
    fenced(formatReasoning(proposal.reasoning), { max: 20_000 }),
    "",
    `Direction: ${inline(proposal.direction ?? "—", 80)}`,
    "",
    "caddie trains this commit on the runner (it dispatches the training workflow from the default branch); the results land in the report comment below.",
    "Commands (write access): `/promote [seeds=N]`, `/rerun`, `/discard`, `/keep`.",
  ].join("\n");
}

export async function openExperiment(
  session: ReadySession,
  input: {
    id: string;
    index: number;
    base: string;
    proposal: Proposal;
    baseline: boolean;
    fixOf: string | null;
  },
): Promise<PendingExperiment> {
  const { id, proposal } = input;
  const commit = await session.forge.createExperiment({
    id,
    base: input.base,
    edits: proposal.edits,
    message: commitMessage(id, proposal),
  });
  const branch = experimentBranch(id);
  // Opened once: after an uncertain answer the branch's open pull request is looked for first.
  const findPull = async (): Promise<number | null> => {
    const open = await session.gh.rest.pulls.list({
      ...session.repo,
      state: "open",
      head: `${session.repo.owner}:${branch}`,
      base: session.config.researchLine,
      per_page: 10,
    });
    return open.data[0]?.number ?? null;
  };
  const pr = await writeOnce(
    async () => {
      const created = await session.gh.rest.pulls.create({
        ...session.repo,
        title: plainTitle(`${id}: ${proposal.description}`),
        head: branch,
        base: session.config.researchLine,
        body: renderPullBody(id, proposal),
      });
      return created.data.number;
    },
    findPull,
    session.app.writes,
  );
  await session.gh.rest.issues.addLabels({
    ...session.repo,
    issue_number: pr,
    labels: [session.app.label.experiment],
  });
  const pending: PendingExperiment = {
    index: input.index,
    pr,
    branch,
    base: input.base,
    commit,
    description: proposal.description,
    direction: proposal.direction,
    reasoning: proposal.reasoning,
    config: proposal.config ?? null,
    baseline: input.baseline,
    fixOf: input.fixOf,
    status: "open",
    runs: [],
    history: [],
    dispatches: [],
  };
  // Recorded before the dispatch, so the dispatch's run-id search already knows this experiment.
  const save = (exp: PendingExperiment) => {
    const bot = session.store.bot();
    session.store.setBot({ ...bot, experiments: { ...bot.experiments, [id]: exp } });
  };
  save(pending);
  const dispatched = await dispatchTraining(session, id, pending);
  save(dispatched);
  return dispatched;
}
