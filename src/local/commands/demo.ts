import { parseArgs } from "node:util";
import path from "node:path";
import { UserError } from "../../core/user-error.ts";
import { courseVariables } from "../caddie-paths.ts";
import { checkPython, createDemoCourse, ensureDemoData } from "../demo-course.ts";
import { loadConfig } from "../load-config.ts";
import type { AgentChoice } from "../../agent/choose-proposer.ts";
import { runLocalSession } from "../local-session.ts";
import type { Command } from "./command.ts";
import { positiveNumber, printSessionEnd, sessionExitCode } from "./session-output.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "run the whole loop on a CPU-sized course (no accounts, no GPU, about 5 minutes)",
  usage: `caddie demo [--dir D] [--experiments N] [--steps S] [--agent sweep|claude]

  Makes a fresh golf_mini course (a git repo with a small GPT trainer) in D or a temp folder, runs the
  baseline (three seeds: the noise estimate) and N experiments (default 8), each training S steps
  (default 100: a step budget, so a busy machine changes the time, never the result; the course's
  timeout is the wall-clock safety net), and writes a scorecard (markdown + SVG chart), results.tsv and
  notes.md. The sweep proposer is used unless --agent claude.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        dir: { type: "string" },
        experiments: { type: "string", default: "8" },
        steps: { type: "string", default: "100" },
        agent: { type: "string", default: "sweep" },
      },
      strict: true,
    });
    const agent = values.agent as AgentChoice;
    if (agent !== "sweep" && agent !== "claude") throw new UserError("--agent must be sweep or claude");
    const experiments = positiveNumber(values.experiments, "--experiments", {
      integer: true,
      allowZero: true,
    });
    const steps = positiveNumber(values.steps, "--steps", { integer: true });
    const vars = courseVariables(io.env);
    const torch = await checkPython(vars.PYTHON ?? "python3");
    io.stdout(`caddie demo: golf_mini on ${torch.includes("cu") ? "GPU-capable" : "CPU"} torch ${torch}\n`);
    await ensureDemoData(vars.PYTHON ?? "python3", vars.CADDIE_DATA ?? "");
    const repo = await createDemoCourse(values.dir ? path.resolve(io.cwd, values.dir) : undefined, {
      steps,
    });
    io.stdout(`course: ${repo}\n`);
    const { config } = await loadConfig(repo);
    const result = await runLocalSession({
      repo,
      tag: "demo",
      config,
      agent,
      maxExperiments: experiments,
      maxHours: null,
      seed: 1337,
      io,
      title: "caddie demo: golf_mini",
    });
    await printSessionEnd(result, io);
    return sessionExitCode(result.summary.stopReason);
  },
};
