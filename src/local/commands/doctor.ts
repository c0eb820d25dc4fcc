/**
 * `caddie doctor`: checks a fork before anything runs, one line per check (ok / warn / fail) with a fix
 * under each problem; exits 1 when any check fails. `caddie run` runs the same checks first, without the
 * network, and stops before creating anything when one fails.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../../core/user-error.ts";
import { renderChecks } from "../doctor/check.ts";
import { runDoctor } from "../doctor/run-doctor.ts";
import type { Command } from "./command.ts";
import { positiveNumber } from "./session-output.ts";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check a fork before anything runs: git, script, config, data, GPUs, disk, API key and model, App",
  usage: `caddie doctor [--repo PATH] [--config FILE] [--runs N] [--app] [--json]

  Checks, one line each: a git repository with a commit; the config; the target script (committed, prints
  val_bpb, parses, its imports installed); what proposes (ANTHROPIC_API_KEY or a search_space of the
  script's settings); data and tokenizer where the script looks; the Python that trains (torch, CUDA, as many
  GPUs as --nproc_per_node); disk space for N runs (default 10); with a key, the configured model on the
  Anthropic Models API (exists, not deprecated); with --app, APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH and
  WEBHOOK_SECRET. --repo defaults to the current folder. Exits 1 when any check fails.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        repo: { type: "string", default: "." },
        config: { type: "string" },
        runs: { type: "string", default: "10" },
        app: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
      strict: true,
    });
    const checks = await runDoctor({
      repo: path.resolve(io.cwd, values.repo),
      configFile: values.config === undefined ? undefined : path.resolve(io.cwd, values.config),
      env: io.env,
      runs: positiveNumber(values.runs, "--runs", { integer: true }),
      network: true,
      app: values.app,
    });
    const failed = checks.filter((c) => c.status === "fail").length;
    if (values.json) io.stdout(`${JSON.stringify({ ok: failed === 0, checks }, null, 2)}\n`);
    else {
      const warned = checks.filter((c) => c.status === "warn").length;
      io.stdout(
        `${renderChecks(checks)}\n\n${failed} failed, ${warned} warning${warned === 1 ? "" : "s"}, ${checks.length} checks\n`,
      );
    }
    if (checks.length === 0) throw new UserError("no checks ran");
    return failed > 0 ? 1 : 0;
  },
};
