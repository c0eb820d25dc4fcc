/**
 * Where caddie scores a local run: the model hosts see only the GPUs the run trained on (its slot's, else
 * caddie's own CUDA_VISIBLE_DEVICES), so a score never lands on a GPU where another slot trains. The
 * scorer here is a real process standing in for `python -m caddie_score score`: it writes back the
 * CUDA_VISIBLE_DEVICES it was told to give the model hosts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LocalScorer } from "../../src/local/local-scorer.ts";
import type { RunOutcome } from "../../src/engine/ports.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

// Writes an unverified result whose reason names the --env CUDA_VISIBLE_DEVICES it got (or "none").
const FAKE_SCORER = `#!/bin/sh
out=""; devices="none"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --env) case "$2" in CUDA_VISIBLE_DEVICES=*) devices="\${2#CUDA_VISIBLE_DEVICES=}" ;; esac; shift ;;
  esac
  shift
done
printf '{"status":"unverified","reason":"devices=%s","tokens":0,"bytes":0,"seconds":0,"load_seconds":0}' "$devices" > "$out"
`;

async function scorerIn(visibleDevices?: string): Promise<{ scorer: LocalScorer; outcome: RunOutcome }> {
  const dir = await mkdtemp(path.join(tmpdir(), "caddie-local-scorer-"));
  dirs.push(dir);
  const python = path.join(dir, "fake-python");
  await writeFile(python, FAKE_SCORER);
  await chmod(python, 0o755);
  const model = path.join(dir, "final_model.int8.ptz");
  await writeFile(model, "model bytes");
  const scorer = new LocalScorer({
    python,
    pythonDir: dir,
    exportTree: async (_commit, into) => writeFile(path.join(into, "train_gpt.py"), "print('hi')\n"),
    heldout: async () => path.join(dir, "heldout.bin"),
    workDir: path.join(dir, "scoring"),
    tokenizer: "byte260",
    script: "train_gpt.py",
    device: "auto",
    timeoutSeconds: 30,
    maxTokens: 0,
    env: { ITERATIONS: "10" },
    ...(visibleDevices === undefined ? {} : { visibleDevices }),
  });
  const outcome: RunOutcome = {
    exitCode: 0,
    timedOut: false,
    seconds: 1,
    logText: "",
    logPath: "run.log",
    modelBytes: 11,
    modelPath: model,
  };
  return { scorer, outcome };
}

describe("LocalScorer", () => {
  it("scores a slot's run on that slot's GPUs only", async () => {
    const { scorer, outcome } = await scorerIn("4,5,6,7");
    const score = await scorer.score({ id: "exp-001", commit: "c", seed: 1, outcome, devices: ["6", "7"] });
    expect(score.reason).toBe("devices=6,7");
    expect(score.modelBytes).toBe(11);
  });

  it("scores a run without a slot on caddie's own CUDA_VISIBLE_DEVICES, as the run trained", async () => {
    const { scorer, outcome } = await scorerIn("3");
    expect((await scorer.score({ id: "exp-001", commit: "c", seed: 1, outcome })).reason).toBe("devices=3");
    const unset = await scorerIn();
    const score = await unset.scorer.score({ id: "exp-001", commit: "c", seed: 1, outcome: unset.outcome });
    expect(score.reason).toBe("devices=none");
  });
});
