/**
 * The caddie config (`.github/caddie.yml` in a competitor's repo, the same file for the local CLI), as one
 * zod schema: each setting is written once, with its default, its rule and its doc comment; the type, the
 * defaults, the file's snake_case spelling and the unknown-key check follow from it. Every problem in a
 * file is reported at once, each with its key path, so a broken config is fixed in one round and the bot
 * does nothing until then rather than guess.
 *
 * To add a section: add `mySection: section({ someKey: z.number().min(0).default(1) })` to `configSchema`
 * below (camelCase here, `my_section: { some_key: ... }` in the file). An absent section is all its defaults.
 */
import * as z from "zod";
import { DEFAULT_BUDGET_PATTERNS } from "./budget-coupling.ts";
import { DEFAULT_MODEL } from "./default-model.ts";
import { UserError } from "./user-error.ts";

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** YAML writes `key:` with nothing after it as null; that means "not set" here, as it does to a reader. */
const dropNulls = (v: unknown): unknown =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null))
    : v;

/**
 * A mapping of fixed keys, spelled snake_case in the file and camelCase in code; unknown keys are errors
 * (a typo must not silently become a default), and an absent section takes every default.
 */
function section<S extends z.ZodRawShape>(shape: S): z.ZodType<z.output<z.ZodObject<S>>> {
  const toCamel = new Map(Object.keys(shape).map((k) => [snakeCase(k), k]));
  const snakeShape = Object.fromEntries(Object.entries(shape).map(([k, v]) => [snakeCase(k), v]));
  const known = [...toCamel.keys()].join(", ");
  return z
    .preprocess(
      dropNulls,
      z.strictObject(snakeShape, {
        error: (iss) => (iss.code === "unrecognized_keys" ? `(known: ${known})` : undefined),
      }),
    )
    .transform((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [toCamel.get(k) ?? k, v])))
    .prefault({}) as unknown as z.ZodType<z.output<z.ZodObject<S>>>;
}

const text = () => z.string().refine((s) => s.trim() !== "", "must be a non-empty string");

const repoPathOk = (p: string): boolean =>
  !p.startsWith("/") && !p.split(/[\\/]/).includes("..") && !p.startsWith(".github/workflows");

/** A repository path the config may name: relative, inside the checkout, never a workflow. */
const repoPath = () =>
  text().refine(repoPathOk, {
    error: (iss) =>
      `must be relative, inside the repository, and not a workflow (got '${String(iss.input)}')`,
  });

/** A list of strings; a single string is a one-item list. */
const textList = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(item).min(1, "must be a non-empty list"));

/** Values for a hyperparameter: strings or numbers (YAML writes 0.003 as a number), kept as strings. */
const scalarList = z
  .array(z.union([text(), z.number()], { error: "must be a string or a number" }))
  .min(1, "must be a non-empty list of values")
  .transform((vs) => vs.map(String));

const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid variable name"),
  z
    .union([z.string(), z.number(), z.boolean()], { error: "must be a string, number or boolean" })
    .transform(String),
);

const validRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};

export const configSchema = section({
  /** The file the agent edits and whose bytes count. */
  target: repoPath().default("train_gpt.py"),
  /** Paths the agent may change (the target always among them); anything else is refused. */
  allow: textList(
    // The agent may never edit CI or the bot's own config, so nothing under .github/ can be allow-listed.
    repoPath().refine(
      (p) => !p.startsWith(".github/"),
      "is under .github/, which the agent may never change",
    ),
  ).optional(),
  /** The compressed model file the run writes, relative to the checkout. */
  model: repoPath().default("final_model.int8.ptz"),
  program: repoPath().default("program.md"),
  researchLine: text().default("autoresearch/main"),
  limitBytes: z.number().int().min(1).default(16_000_000),
  /** Regex overriding the final-metric rule of the log parser. */
  metricPattern: text().refine(validRegex, "is not a valid regular expression").nullable().default(null),
  tiers: section({
    proxy: section({
      /** Labels of the self-hosted runner that trains experiment PRs. */
      runsOn: textList(text()).default(["self-hosted", "gpu"]),
      /** Command that trains, run in the checkout; argv form, no shell (a single string is one argument). */
      command: textList(text()).default(["torchrun", "--standalone", "--nproc_per_node=1", "train_gpt.py"]),
      env: envMap.default({ MAX_WALLCLOCK_SECONDS: "300" }),
      timeoutMinutes: z.number().min(1).max(360).default(15),
      /** `auto`: every run through caddie's sandbox (bubblewrap where it works); `none`: a plain child process. */
      sandbox: z.enum(["auto", "none"], { error: "must be auto or none" }).default("auto"),
      /** Network access for the training run (off: a run reaches nothing). */
      network: z.boolean().default(false),
      /** The training-loop budget checked after each run; null: `MAX_WALLCLOCK_SECONDS` of `env`. */
      budgetSeconds: z.number().min(1).nullable().default(null),
      /** Wall seconds a whole run may take beyond the budget (start-up, compile, evaluation); null: unchecked. */
      overheadSeconds: z.number().min(0).nullable().default(null),
      /**
       * The local loop's GPUs (indices as caddie sees them), `gpus_per_slot` to a slot; each slot trains one
       * experiment at a time with only its GPUs visible. null: one slot on the machine's default GPUs.
       */
      gpus: z
        .array(z.union([z.number().int().min(0), z.string().regex(/^\d+$/, "must be a GPU index")]), {
          error: "must be a list of GPU indices",
        })
        .min(1, "must name at least one GPU")
        .transform((list) => list.map(String))
        .nullable()
        .default(null),
      /** Experiments the local loop keeps in flight; null: as many as `gpus` makes, else 1. */
      slots: z.number().int().min(1).max(64).nullable().default(null),
      /** GPUs each slot's run uses (a 2-GPU torchrun proxy: 2, with --nproc_per_node=2 in the command). */
      gpusPerSlot: z.number().int().min(1).max(8).default(1),
      /**
       * Start a slot's next run while its current run evaluates and serializes (never while it trains);
       * a run whose training loop overlapped another process on its GPUs is flagged.
       */
      overlap: z.boolean().default(false),
      /** One TorchInductor/Triton cache per course and machine shared by runs (warm starts); false: cold every run. */
      compileCache: z.boolean().default(true),
    }),
    full: section({
      provider: z.literal("modal", { error: "must be 'modal'" }).default("modal"),
      gpu: text().default("H100!"),
      gpus: z.number().int().min(1).max(8).default(8),
      /** Training cap given to the script (MAX_WALLCLOCK_SECONDS). */
      trainSeconds: z.number().min(1).default(600),
      /** Modal function timeout; must exceed the train cap (start-up, eval, serialization). */
      timeoutMinutes: z.number().min(1).max(1440).default(30),
      /** Dollars per GPU-hour used for estimates before dispatch. */
      usdPerGpuHour: z.number().min(0).default(3.95),
      volume: text().default("parameter-golf-fineweb"),
    }),
  }),
  /** Training data merged into each run folder, read-only; validation shards replaced by the run's slice. */
  data: section({
    /** Folders of the repository whose untracked files are linked into each run folder. */
    paths: textList(repoPath()).default(["data"]),
    /** File-name pattern of the validation shards. */
    valPattern: text()
      .refine((p) => !p.includes("/"), "is a file-name pattern, without '/'")
      .default("fineweb_val_*.bin"),
  }),
  /** What a run folder keeps after its run. */
  retention: section({
    /** File-name patterns dropped from run folders after each run (raw checkpoints); [] keeps everything. */
    drop: z.array(text()).default(["*.pt", "*.pth", "*.ckpt", "*.safetensors"]),
  }),
  thresholds: section({
    /** Smallest val_bpb gain that counts as real. */
    minDelta: z.number().min(0).default(0.002),
    /**
     * The keep bar as a z-score: a gain must clear max(minDelta, c x sd of the difference of the means),
     * c the Student-t quantile at the level of noiseK with the noise estimate's degrees of freedom.
     */
    noiseK: z.number().min(0).default(2),
    /** Runs of the baseline at the start (different seeds): the first noise estimate. */
    baselineRuns: z.number().int().min(1).max(10).default(3),
    /** Paired seeds a candidate whose gain lands within one sd of the threshold may earn before its verdict. */
    extraSeeds: z.number().int().min(0).max(10).default(2),
    /** Re-run the incumbent on a new seed once this many keeps in a row rest on a single run (0: never). */
    rerunIncumbentEvery: z.number().int().min(0).max(100).default(2),
    /** Relative proxy gain that triggers automatic promotion. */
    promoteGain: z.number().min(0).max(1).default(0.03),
  }),
  /** Budget-coupled changes (warm-down, warm-up, iterations, schedule code) are confirmed at a longer budget. */
  confirm: section({
    /** Multiple of the proxy budget (ITERATIONS and MAX_WALLCLOCK_SECONDS in the tier's env) to confirm at. */
    factor: z.number().min(1).max(100).default(4),
    /** The largest multiple a confirmation may use; a change that needs more is not kept on the proxy. */
    maxFactor: z.number().min(1).max(1000).default(16),
    /** A step-count knob may take at most this share of the confirmation run (the factor grows to fit). */
    knobShare: z.number().gt(0).max(1).default(0.25),
    /** Paired seeds of the candidate and of the incumbent at the confirmation budget. */
    seeds: z.number().int().min(1).max(10).default(2),
    /** Setting-name patterns (regular expressions, case-insensitive) that mean run length. */
    patterns: z
      .array(text().refine(validRegex, "is not a valid regular expression"))
      .default([...DEFAULT_BUDGET_PATTERNS]),
  }),
  budget: section({
    totalUsd: z.number().min(0).default(0),
    reserveUsd: z.number().min(0).default(0),
    maxFullRunsPerHour: z.number().min(0).default(1),
    autoPromote: z.boolean().default(false),
  }),
  agent: section({
    model: text().default(DEFAULT_MODEL),
    maxTokens: z.number().int().min(256).default(16_000),
    contextBudget: z.number().int().min(1000).default(12_000),
  }),
  /** caddie's own re-score of every run (docs/SCORING.md); defaults fit openai/parameter-golf's layout. */
  scoring: section({
    /** "byte260" or "sentencepiece:PATH" (PATH in the repository): bytes per token come from it. */
    tokenizer: text()
      .refine(
        (t) =>
          t === "byte260" || (/^sentencepiece:\S+$/.test(t) && repoPathOk(t.slice("sentencepiece:".length))),
        "must be byte260 or sentencepiece:PATH (a path inside the repository)",
      )
      .default("sentencepiece:data/tokenizers/fineweb_1024_bpe.model"),
    /**
     * The folder of validation shards (`data.val_pattern`) whose held-out part caddie scores on, relative
     * to the repository (`${CADDIE_DATA}` is expanded locally); the runs read only their own slice of it.
     */
    validation: text().default("data/datasets/fineweb10B_sp1024"),
    /** Share of the validation tokens held out for caddie's score; the training run never reads them. */
    heldoutFraction: z.number().min(0.01).max(0.9).default(0.1),
    /** Most held-out tokens scored per run; 0 scores them all. */
    maxTokens: z.number().int().min(0).default(2_097_152),
    /** Largest gap between the val_bpb the log claims and caddie's own that is not a flag. */
    tolerance: z.number().min(0).default(0.05),
    timeoutSeconds: z.number().min(10).max(7200).default(600),
    device: z.enum(["auto", "cpu", "cuda"], { error: "must be auto, cpu or cuda" }).default("auto"),
  }),
  /** Hyperparameters the offline sweep may set: name -> candidate values, in order. */
  searchSpace: z
    .preprocess(
      (v) => v ?? {},
      z.record(
        z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be an UPPER_CASE hyperparameter name"),
        scalarList,
      ),
    )
    .default({}),
  concurrency: z.number().int().min(1).max(20).default(1),
  /** Research on the App's cron ticks: it dispatches caddie-research.yml and ingests what that run uploads. */
  research: z.boolean().default(false),
  dryRun: z.boolean().default(false),
})
  .superRefine((c, ctx) => {
    if (c.tiers.full.timeoutMinutes * 60 <= c.tiers.full.trainSeconds)
      ctx.addIssue({
        code: "custom",
        path: ["tiers", "full", "timeout_minutes"],
        message: "must exceed 'tiers.full.train_seconds'",
      });
    if (c.confirm.maxFactor < c.confirm.factor)
      ctx.addIssue({
        code: "custom",
        path: ["confirm", "max_factor"],
        message: "cannot be below 'confirm.factor'",
      });
    if (c.budget.reserveUsd > c.budget.totalUsd && c.budget.totalUsd > 0)
      ctx.addIssue({
        code: "custom",
        path: ["budget", "reserve_usd"],
        message: "cannot exceed 'budget.total_usd'",
      });
  })
  .transform(({ allow, ...c }) => ({
    ...c,
    allow: allow?.includes(c.target) ? allow : [c.target, ...(allow ?? [])],
  }));

export type CaddieConfig = z.output<typeof configSchema>;
export type ProxyTier = CaddieConfig["tiers"]["proxy"];
export type FullTier = CaddieConfig["tiers"]["full"];

/** Plain words for zod's generic problems (the schema's own messages take precedence). */
const plainWords: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type":
      if (iss.expected === "int") return "must be a whole number";
      if (iss.expected === "boolean") return "must be true or false";
      if (iss.expected === "object" || iss.expected === "record") return "must be a mapping";
      if (iss.expected === "array") return "must be a list";
      return `must be a ${iss.expected}`;
    case "too_small":
      return `must be at least ${String(iss.minimum)}`;
    case "too_big":
      return `must be at most ${String(iss.maximum)}`;
    default:
      return undefined;
  }
};

function describe(issue: z.core.$ZodIssue): string {
  const at = (path: PropertyKey[]) => `'${path.map(String).join(".")}'`;
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((k) => `unknown key ${at([...issue.path, k])} ${issue.message}`).join("\n");
  if (issue.code === "invalid_key")
    return `key ${at(issue.path)} ${issue.issues.map((i) => i.message).join(", ")}`;
  return `${at(issue.path)} ${issue.message}`;
}

/**
 * Validates a parsed YAML/JSON document (snake_case keys) into a full config with defaults.
 * Throws one UserError listing every bad key, one per line.
 */
export function parseConfig(doc: unknown): CaddieConfig {
  if (doc !== undefined && doc !== null && (typeof doc !== "object" || Array.isArray(doc)))
    throw new UserError("config: the file must be a YAML mapping");
  const result = configSchema.safeParse(doc ?? {}, { error: plainWords });
  if (result.success) return result.data;
  throw new UserError(
    result.error.issues
      .flatMap((issue) => describe(issue).split("\n"))
      .map((line) => `config: ${line}`)
      .join("\n"),
  );
}

/** Every default: what an empty or absent file means. */
export const DEFAULT_CONFIG: CaddieConfig = parseConfig({});
