import type { Command } from "./command.ts";

/** A command as `caddie --help` lists it; its module is loaded only when it runs, so start-up stays fast. */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

/** Every CLI command, in the order `caddie --help` lists them. */
export const commands: CommandEntry[] = [
  {
    name: "demo",
    summary: "run the whole loop on a CPU-sized course (no accounts, no GPU, about 5 minutes)",
    load: async () => (await import("./demo.ts")).demoCommand,
  },
  {
    name: "run",
    summary: "run the research loop on a local git repository",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "doctor",
    summary:
      "check a fork before anything runs: git, script, config, data, GPUs, disk, API key and model, App",
    load: async () => (await import("./doctor.ts")).doctorCommand,
  },
  {
    name: "job",
    summary: "the experiment workflow's steps: the tier's settings, and training in caddie's sandbox",
    load: async () => (await import("./job.ts")).jobCommand,
  },
  {
    name: "parse-log",
    summary: "read a train_gpt.py log: final val_bpb, artifact size, steps, crash or not",
    load: async () => (await import("./parse-log.ts")).parseLogCommand,
  },
  {
    name: "measure",
    summary: "count an artifact's bytes (code + compressed model) against the 16,000,000-byte cap",
    load: async () => (await import("./measure.ts")).measureCommand,
  },
  {
    name: "competitors",
    summary: "parse a record folder, or sync competitor scores from openai/parameter-golf",
    load: async () => (await import("./competitors.ts")).competitorsCommand,
  },
  {
    name: "research",
    summary: "fetch, grade and show research items the agent reads",
    load: async () => (await import("./research.ts")).researchCommand,
  },
  {
    name: "init",
    summary: "set up a parameter-golf fork for the caddie GitHub App (config, program.md, workflows)",
    load: async () => (await import("./init.ts")).initCommand,
  },
  {
    name: "package",
    summary: "write a records/track_10min_16mb/ submission folder from seed logs",
    load: async () => (await import("./package.ts")).packageCommand,
  },
  {
    name: "budget",
    summary: "show the Modal spend ledger, reservations and the tier correlation",
    load: async () => (await import("./budget.ts")).budgetCommand,
  },
];
