/**
 * The caddie config (`.github/caddie.yml` in a competitor's repo, the same file for the local CLI).
 * Every setting has a default; validation names the bad key and what it accepts, so a broken config is
 * reported once, clearly, and the bot then does nothing rather than guess.
 */
import { UserError } from "./user-error.ts";

export interface ProxyTier {
  /** Labels of the self-hosted runner that trains experiment PRs. */
  runsOn: string[];
  /** Command that trains, run in the checkout; argv form, no shell. */
  command: string[];
  env: Record<string, string>;
  timeoutMinutes: number;
}

export interface FullTier {
  provider: "modal";
  gpu: string;
  gpus: number;
  /** Training cap given to the script (MAX_WALLCLOCK_SECONDS). */
  trainSeconds: number;
  /** Modal function timeout; must exceed the train cap (start-up, eval, serialization). */
  timeoutMinutes: number;
  /** Dollars per GPU-hour used for estimates before dispatch. */
  usdPerGpuHour: number;
  volume: string;
}

export interface CaddieConfig {
  /** The file the agent edits and whose bytes count. */
  target: string;
  /** Paths the agent may change; anything else is refused. */
  allow: string[];
  /** The compressed model file the run writes, relative to the checkout. */
  model: string;
  program: string;
  researchLine: string;
  limitBytes: number;
  /** Regex overriding the final-metric rule of the log parser. */
  metricPattern: string | null;
  tiers: { proxy: ProxyTier; full: FullTier };
  thresholds: {
    /** Smallest val_bpb gain that counts as real. */
    minDelta: number;
    /** Keep threshold = max(minDelta, noiseK x sigma of repeated baselines). */
    noiseK: number;
    /** Baseline runs used to measure sigma (1 = no noise estimate). */
    baselineRuns: number;
    /** Relative proxy gain that triggers automatic promotion. */
    promoteGain: number;
  };
  budget: {
    totalUsd: number;
    reserveUsd: number;
    maxFullRunsPerHour: number;
    autoPromote: boolean;
  };
  agent: { model: string; maxTokens: number; contextBudget: number };
  /** Hyperparameters the offline sweep may set: name -> candidate values, in order. */
  searchSpace: Record<string, string[]>;
  concurrency: number;
  dryRun: boolean;
}

export const DEFAULT_CONFIG: CaddieConfig = {
  target: "train_gpt.py",
  allow: ["train_gpt.py"],
  model: "final_model.int8.ptz",
  program: "program.md",
  researchLine: "autoresearch/main",
  limitBytes: 16_000_000,
  metricPattern: null,
  tiers: {
    proxy: {
      runsOn: ["self-hosted", "gpu"],
      command: ["torchrun", "--standalone", "--nproc_per_node=1", "train_gpt.py"],
      env: { MAX_WALLCLOCK_SECONDS: "300" },
      timeoutMinutes: 15,
    },
    full: {
      provider: "modal",
      gpu: "H100!",
      gpus: 8,
      trainSeconds: 600,
      timeoutMinutes: 30,
      usdPerGpuHour: 3.95,
      volume: "parameter-golf-fineweb",
    },
  },
  thresholds: { minDelta: 0.002, noiseK: 2, baselineRuns: 1, promoteGain: 0.03 },
  budget: { totalUsd: 0, reserveUsd: 0, maxFullRunsPerHour: 1, autoPromote: false },
  agent: { model: "claude-sonnet-4-5", maxTokens: 16_000, contextBudget: 12_000 },
  searchSpace: {},
  concurrency: 1,
  dryRun: false,
};

type Raw = Record<string, unknown>;

class Reader {
  constructor(
    private readonly raw: Raw,
    private readonly at: string,
  ) {}

  private fail(key: string, want: string): never {
    throw new UserError(`config: '${this.at}${key}' ${want}`);
  }

  private get(key: string): unknown {
    return this.raw[key];
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  string(key: string, fallback: string): string {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || v.trim() === "") this.fail(key, "must be a non-empty string");
    return v;
  }

  optionalString(key: string, fallback: string | null): string | null {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    return this.string(key, "");
  }

  number(
    key: string,
    fallback: number,
    opts: { min?: number; max?: number; integer?: boolean } = {},
  ): number {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, "must be a number");
    if (opts.integer && !Number.isInteger(v)) this.fail(key, "must be a whole number");
    if (opts.min !== undefined && v < opts.min) this.fail(key, `must be at least ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) this.fail(key, `must be at most ${opts.max}`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") this.fail(key, "must be true or false");
    return v;
  }

  stringList(key: string, fallback: string[]): string[] {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "string") return [v];
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === "string" && s !== ""))
      this.fail(key, "must be a non-empty list of strings");
    return v as string[];
  }

  /** A list of strings or numbers (YAML writes 0.003 as a number), as strings. */
  scalarList(key: string): string[] {
    const v = this.get(key);
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      !v.every((s) => (typeof s === "string" && s !== "") || (typeof s === "number" && Number.isFinite(s)))
    )
      this.fail(key, "must be a non-empty list of values");
    return (v as (string | number)[]).map(String);
  }

  stringMap(key: string, fallback: Record<string, string>): Record<string, string> {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "object" || Array.isArray(v)) this.fail(key, "must be a mapping of NAME: value");
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Raw)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) this.fail(`${key}.${k}`, "is not a valid variable name");
      if (typeof val !== "string" && typeof val !== "number" && typeof val !== "boolean")
        this.fail(`${key}.${k}`, "must be a string, number or boolean");
      out[k] = String(val);
    }
    return out;
  }

  section(key: string): Reader {
    const v = this.get(key);
    if (v === undefined || v === null) return new Reader({}, `${this.at}${key}.`);
    if (typeof v !== "object" || Array.isArray(v)) this.fail(key, "must be a mapping");
    return new Reader(v as Raw, `${this.at}${key}.`);
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  rejectUnknown(known: string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key))
        throw new UserError(`config: unknown key '${this.at}${key}' (known: ${known.join(", ")})`);
    }
  }
}

function safePath(path: string, key: string): string {
  if (path.startsWith("/") || path.split(/[\\/]/).includes("..") || path.startsWith(".github/workflows"))
    throw new UserError(
      `config: '${key}' path '${path}' must be relative, inside the repository, and not a workflow`,
    );
  return path;
}

function readSearchSpace(r: Reader): Record<string, string[]> {
  const space: Record<string, string[]> = {};
  for (const name of r.keys()) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name))
      throw new UserError(`config: search_space key '${name}' must be an UPPER_CASE hyperparameter name`);
    space[name] = r.scalarList(name);
  }
  return space;
}

/**
 * Validates a parsed YAML/JSON document (snake_case keys) into a full config with defaults.
 * Throws UserError naming the first bad key.
 */
export function parseConfig(doc: unknown): CaddieConfig {
  if (doc === undefined || doc === null) return structuredClone(DEFAULT_CONFIG);
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new UserError("config: the file must be a YAML mapping");
  const d = DEFAULT_CONFIG;
  const r = new Reader(doc as Raw, "");
  r.rejectUnknown([
    "target",
    "allow",
    "model",
    "program",
    "research_line",
    "limit_bytes",
    "metric_pattern",
    "tiers",
    "thresholds",
    "budget",
    "agent",
    "search_space",
    "concurrency",
    "dry_run",
  ]);
  const target = safePath(r.string("target", d.target), "target");
  // The agent may never edit CI or the bot's own config, so nothing under .github/ can be allow-listed.
  const allow = r.stringList("allow", [target]).map((p) => {
    if (safePath(p, "allow").startsWith(".github/"))
      throw new UserError(`config: 'allow' path '${p}' is under .github/, which the agent may never change`);
    return p;
  });
  if (!allow.includes(target)) allow.unshift(target);
  const metricPattern = r.optionalString("metric_pattern", d.metricPattern);
  if (metricPattern !== null) {
    try {
      new RegExp(metricPattern);
    } catch {
      throw new UserError(`config: 'metric_pattern' is not a valid regular expression`);
    }
  }
  const tiers = r.section("tiers");
  tiers.rejectUnknown(["proxy", "full"]);
  const proxy = tiers.section("proxy");
  proxy.rejectUnknown(["runs_on", "command", "env", "timeout_minutes"]);
  const full = tiers.section("full");
  full.rejectUnknown([
    "provider",
    "gpu",
    "gpus",
    "train_seconds",
    "timeout_minutes",
    "usd_per_gpu_hour",
    "volume",
  ]);
  const provider = full.string("provider", d.tiers.full.provider);
  if (provider !== "modal") throw new UserError(`config: 'tiers.full.provider' must be 'modal'`);
  const th = r.section("thresholds");
  th.rejectUnknown(["min_delta", "noise_k", "baseline_runs", "promote_gain"]);
  const budget = r.section("budget");
  budget.rejectUnknown(["total_usd", "reserve_usd", "max_full_runs_per_hour", "auto_promote"]);
  const agent = r.section("agent");
  agent.rejectUnknown(["model", "max_tokens", "context_budget"]);

  const config: CaddieConfig = {
    target,
    allow,
    model: safePath(r.string("model", d.model), "model"),
    program: safePath(r.string("program", d.program), "program"),
    researchLine: r.string("research_line", d.researchLine),
    limitBytes: r.number("limit_bytes", d.limitBytes, { min: 1, integer: true }),
    metricPattern,
    tiers: {
      proxy: {
        runsOn: proxy.stringList("runs_on", d.tiers.proxy.runsOn),
        command: proxy.stringList("command", d.tiers.proxy.command),
        env: proxy.stringMap("env", d.tiers.proxy.env),
        timeoutMinutes: proxy.number("timeout_minutes", d.tiers.proxy.timeoutMinutes, { min: 1, max: 360 }),
      },
      full: {
        provider: "modal",
        gpu: full.string("gpu", d.tiers.full.gpu),
        gpus: full.number("gpus", d.tiers.full.gpus, { min: 1, max: 8, integer: true }),
        trainSeconds: full.number("train_seconds", d.tiers.full.trainSeconds, { min: 1 }),
        timeoutMinutes: full.number("timeout_minutes", d.tiers.full.timeoutMinutes, { min: 1, max: 1440 }),
        usdPerGpuHour: full.number("usd_per_gpu_hour", d.tiers.full.usdPerGpuHour, { min: 0 }),
        volume: full.string("volume", d.tiers.full.volume),
      },
    },
    thresholds: {
      minDelta: th.number("min_delta", d.thresholds.minDelta, { min: 0 }),
      noiseK: th.number("noise_k", d.thresholds.noiseK, { min: 0 }),
      baselineRuns: th.number("baseline_runs", d.thresholds.baselineRuns, { min: 1, max: 10, integer: true }),
      promoteGain: th.number("promote_gain", d.thresholds.promoteGain, { min: 0, max: 1 }),
    },
    budget: {
      totalUsd: budget.number("total_usd", d.budget.totalUsd, { min: 0 }),
      reserveUsd: budget.number("reserve_usd", d.budget.reserveUsd, { min: 0 }),
      maxFullRunsPerHour: budget.number("max_full_runs_per_hour", d.budget.maxFullRunsPerHour, { min: 0 }),
      autoPromote: budget.boolean("auto_promote", d.budget.autoPromote),
    },
    agent: {
      model: agent.string("model", d.agent.model),
      maxTokens: agent.number("max_tokens", d.agent.maxTokens, { min: 256, integer: true }),
      contextBudget: agent.number("context_budget", d.agent.contextBudget, { min: 1000, integer: true }),
    },
    searchSpace: readSearchSpace(r.section("search_space")),
    concurrency: r.number("concurrency", d.concurrency, { min: 1, max: 20, integer: true }),
    dryRun: r.boolean("dry_run", d.dryRun),
  };
  if (config.tiers.full.timeoutMinutes * 60 <= config.tiers.full.trainSeconds)
    throw new UserError("config: 'tiers.full.timeout_minutes' must exceed 'tiers.full.train_seconds'");
  if (config.budget.reserveUsd > config.budget.totalUsd && config.budget.totalUsd > 0)
    throw new UserError("config: 'budget.reserve_usd' cannot exceed 'budget.total_usd'");
  return config;
}
