/**
 * caddie's own score of a local run (the Scorer port): the commit's code exported from git into a fresh
 * folder (never the run's folder, which the run may have rewritten) and the model file the run wrote,
 * through caddie's scorer on the held-out shard (src/io/run-scorer.ts). The result file is kept as
 * `<workDir>/<id>[-s<seed>].json`, outside every run folder, so no run can plant or read it.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { unverifiedScore, type ScoreResult } from "../core/score-result.ts";
import type { Scorer, ScoreRequest } from "../engine/ports.ts";
import { runScorer, type ScorerCall } from "../io/run-scorer.ts";

export interface LocalScorerOptions extends Omit<
  ScorerCall,
  "codeDir" | "model" | "heldout" | "resultFile" | "signal"
> {
  /** Writes a commit's files into a folder (the forge's export). */
  exportTree: (commit: string, dir: string) => Promise<void>;
  /** The held-out validation shard (the training run can never read it), found when first needed. */
  heldout: () => Promise<string>;
  /** caddie's own CUDA_VISIBLE_DEVICES (the runs inherit it): where a run without a slot's GPUs is scored. */
  visibleDevices?: string;
}

export class LocalScorer implements Scorer {
  constructor(private readonly options: LocalScorerOptions) {}

  async score(request: ScoreRequest): Promise<ScoreResult> {
    const model = request.outcome.modelPath ?? null;
    if (model === null) return unverifiedScore("the run left no model file to score");
    let heldout: string;
    try {
      heldout = await this.options.heldout();
    } catch (error) {
      return unverifiedScore(`no held-out data to score on: ${(error as Error).message}`);
    }
    const { exportTree, heldout: _, visibleDevices, ...call } = this.options;
    // The model hosts see only the GPUs the run trained on, which it has just left: scoring never lands
    // on a GPU where another slot's training loop runs.
    const devices = request.devices?.join(",") ?? visibleDevices;
    if (devices !== undefined) call.env = { ...call.env, CUDA_VISIBLE_DEVICES: devices };
    await mkdir(call.workDir, { recursive: true });
    const codeDir = await mkdtemp(path.join(call.workDir, `${request.id}-code-`));
    try {
      await exportTree(request.commit, codeDir);
      return await runScorer({
        ...call,
        codeDir,
        model,
        heldout,
        resultFile: path.join(
          call.workDir,
          `${request.id}${request.seed === null ? "" : `-s${request.seed}`}.json`,
        ),
        signal: request.signal,
      });
    } finally {
      await rm(codeDir, { recursive: true, force: true });
    }
  }
}
