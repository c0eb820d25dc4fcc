/**
 * The whole offline rig for the GitHub App: a fake GitHub on 127.0.0.1, the real probot app behind
 * createNodeMiddleware on its own HTTP server, a real App key pair (JWT + installation tokens), signed
 * deliveries of real example payloads, and a stand-in for the user's CI that "trains" a pull request by
 * recording a finished workflow run with a result artifact.
 */
import http from "node:http";
import { generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Probot, ProbotOctokit } from "probot";
import { createCaddieApp, type CaddieAppOptions } from "../../../src/github/app.ts";
import { createWebhookServer } from "../../../src/github/webhook-server.ts";
import { callerWorkflows } from "../../../src/local/commands/init-workflows.ts";
import { TICK_EVENT } from "../../../src/github/workflows.ts";
import { parseRunLog } from "../../../src/core/parse-run-log.ts";
import { FakeGitHub } from "./server.ts";
import type { Actor, WorkflowRun } from "./state.ts";
import { commentPayload, deliver, dispatchPayload, workflowRunPayload, type Delivery } from "./webhooks.ts";
import { zip } from "./zip.ts";

export const TRAIN_GPT = [
  "import os",
  'MODEL_DIM = int(os.environ.get("MODEL_DIM", 512))  # residual width',
  'NUM_LAYERS = int(os.environ.get("NUM_LAYERS", 9))  # depth',
  'MATRIX_LR = float(os.environ.get("MATRIX_LR", 0.04))  # Muon learning rate',
  'print("training...")',
  "",
].join("\n");

export const CONFIG_YML = [
  "target: train_gpt.py",
  "research_line: autoresearch/main",
  "concurrency: 1",
  "search_space:",
  '  MATRIX_LR: ["0.02", "0.06"]',
  '  NUM_LAYERS: ["8", "10"]',
  "budget:",
  "  total_usd: 100",
  "  reserve_usd: 10",
  "  max_full_runs_per_hour: 4",
  // Two baseline runs, the fewest that measure noise, keep these tests short (the default is three).
  "thresholds:",
  "  baseline_runs: 2",
  "",
].join("\n");

export interface TrainResult {
  log: string;
  /** Default: what the log's size line says minus the committed code (an honest run), else 8,000,000. */
  modelBytes?: number | null;
  /**
   * The scoring step's result (the scorer's JSON) in result.json. Default: an honest run, caddie's score
   * equal to the log's claim; null: no result.json (the action scored nothing).
   */
  score?: Record<string, unknown> | null;
  /** Flags of the runner's sandbox, in result.json. */
  runnerFlags?: { code: string; message: string }[];
  exitCode?: number | null;
  seconds?: number;
  timedOut?: boolean;
  /** Replace the artifact's files wholesale (malformed-artifact tests). */
  files?: Record<string, string | Buffer>;
}

/** The scorer's result for a model that is as good as its log says. */
export function honestScore(valBpb: number): Record<string, unknown> {
  return {
    status: "verified",
    reason: null,
    val_bpb: valBpb,
    val_loss: valBpb * 1.7,
    tokens: 1_048_576,
    bytes: 2_500_000,
    context_len: 1024,
    contract: "adapter:root-train-gpt",
    causality: { probes: 8, max_abs_diff: 0, ok: true },
    sandbox: "bwrap",
    network: "blocked",
    seconds: 20,
    load_seconds: 4,
  };
}

export interface HarnessOptions {
  /** Text of .github/caddie.yml on the default branch; null for none. */
  config?: string | null;
  /** Files of the default branch's first commit, over the defaults; null leaves one out. */
  files?: Record<string, string | null>;
  app?: CaddieAppOptions;
  /** Keep probot's retry and rate-limit handling on (with millisecond waits) instead of disabling it. */
  retries?: boolean;
  collaborators?: Record<string, string>;
}

const SECRET = "webhook-secret";
// One App key pair per worker: generating RSA keys is the slowest part of starting a harness.
let keys: { privateKey: string; publicKey: string } | null = null;
function appKeys(): { privateKey: string; publicKey: string } {
  if (!keys) {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    keys = {
      privateKey: pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      publicKey: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
  }
  return keys;
}
const passthrough = {
  key: () => ({
    schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => fn(...args)),
  }),
};

/**
 * Probot's Octokit for tests, via the function form of defaults (the object form does not turn throttling
 * off in probot 14). With `retries`, probot's own retry and rate-limit handling stays on, with waits in
 * milliseconds and no write spacing.
 */
export function testOctokit(retries: boolean): typeof ProbotOctokit {
  return ProbotOctokit.defaults((o: Record<string, unknown>) => {
    const throttle = (o.throttle ?? {}) as Record<string, unknown>;
    return retries
      ? {
          ...o,
          throttle: {
            ...throttle,
            retryAfterBaseValue: 1,
            global: passthrough,
            auth: passthrough,
            write: passthrough,
            search: passthrough,
            notifications: passthrough,
          },
          retry: { retryAfterBaseValue: 1 },
        }
      : { ...o, throttle: { ...throttle, enabled: false }, retry: { enabled: false } };
  });
}

export class Harness {
  readonly outcomes: { event: string; outcome: string }[] = [];
  /** The App's handling of each delivery, by delivery id (see `send`). */
  private readonly handling = new Map<string, Promise<unknown>>();
  webhookUrl = "";
  private server: http.Server | null = null;
  private runs = 0;

  private probot: Probot | null = null;

  private constructor(readonly fake: FakeGitHub) {}

  /** An installation client like the app's, for tests that drive modules directly. */
  client(): ReturnType<Probot["auth"]> {
    if (!this.probot) throw new Error("harness not started");
    return this.probot.auth(this.fake.installationId);
  }

  /** The App key pair and Octokit class the harness uses, for running other entries against the fake. */
  static keys(): { privateKey: string; publicKey: string } {
    return appKeys();
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const { privateKey, publicKey } = appKeys();
    const fake = await new FakeGitHub({ appId: 123, publicKey }).start();
    const files: Record<string, string | null> = {
      "train_gpt.py": TRAIN_GPT,
      "program.md": "# Program\nMake val_bpb lower.\n",
      ...options.files,
    };
    if (options.config !== null) files[".github/caddie.yml"] = options.config ?? CONFIG_YML;
    // The caller workflows `caddie init` writes: the App dispatches them by file name.
    const source = { repo: "caddie-golf/caddie", sha: "c".repeat(40), ref: "v1" };
    for (const [path, text] of Object.entries(callerWorkflows(source))) files[path] = text;
    fake.state.commitFiles("main", files, "initial");
    for (const [login, permission] of Object.entries(
      options.collaborators ?? { octocat: "admin", reader: "read" },
    ))
      fake.state.collaborators.set(login, permission);

    const harness = new Harness(fake);
    const Octokit = testOctokit(options.retries ?? false);
    const probot = new Probot({
      appId: 123,
      privateKey,
      secret: SECRET,
      baseUrl: fake.url,
      Octokit,
      logLevel: "fatal",
    });
    const app = createCaddieApp({
      // Looks after an uncertain write wait milliseconds, not seconds.
      writes: { baseDelayMs: 1 },
      ...options.app,
      onOutcome: (event, outcome) => {
        harness.outcomes.push({ event, outcome });
        options.app?.onOutcome?.(event, outcome);
      },
    });
    harness.probot = probot;
    // Every handler the App registers is tracked by delivery id, so `send` can wait for it (see there).
    const tracked = (target: Probot): Probot =>
      new Proxy(target, {
        get(t, key) {
          // Probot keeps its state in private fields: its methods must run on the Probot itself.
          const value = Reflect.get(t, key, t) as unknown;
          if (key !== "on") return typeof value === "function" ? (value as () => unknown).bind(t) : value;
          return (event: never, handler: (context: { id: string }) => Promise<unknown>) =>
            t.on(event, (context: { id: string }) => {
              const work = handler(context);
              harness.handling.set(context.id, work);
              return work;
            });
        },
      });
    // The App's own HTTP front (body cap included), as `npm start` runs it.
    harness.server = await createWebhookServer((p, o) => app(tracked(p), o), { probot });
    await new Promise<void>((resolve) => harness.server?.listen(0, "127.0.0.1", resolve));
    harness.webhookUrl = `http://127.0.0.1:${(harness.server.address() as AddressInfo).port}/api/github/webhooks`;
    return harness;
  }

  /**
   * Delivers a signed webhook and returns once the App has handled it. The webhook middleware answers
   * 202 "still processing" when handling takes over 9 s (a loaded machine): that is a wall-clock artefact,
   * so the harness then waits for the handler and reports the status it answers when in time (200, or 500
   * when the handler failed).
   */
  async send(event: string, payload: unknown, id?: string): Promise<Delivery> {
    const delivery = await deliver(this.webhookUrl, SECRET, event, payload, id);
    const work = this.handling.get(delivery.id);
    this.handling.delete(delivery.id);
    if (delivery.status !== 202 || !work) return delivery;
    const ok = await work.then(
      () => true,
      () => false,
    );
    return { ...delivery, status: ok ? 200 : 500 };
  }

  tick(): Promise<Delivery> {
    return this.send("repository_dispatch", dispatchPayload(this.fake, TICK_EVENT));
  }

  comment(issue: number, body: string, user: Actor = { login: "octocat", type: "User" }): Promise<Delivery> {
    return this.send("issue_comment", commentPayload(this.fake, { issue, body, user }));
  }

  /** The open experiment pull request, newest first. */
  openPulls(): number[] {
    return [...this.fake.state.pulls.values()]
      .filter((p) => p.state === "open")
      .map((p) => p.number)
      .sort((a, b) => b - a);
  }

  /** The training run the App dispatched for the pull request's current head, not finished yet. */
  dispatchedRun(pr: number): WorkflowRun {
    const pull = this.fake.state.pulls.get(pr);
    if (!pull) throw new Error(`no pull request #${pr}`);
    const headSha = this.fake.state.refs.get(`heads/${pull.headRef}`) ?? pull.headSha;
    const run = [...this.fake.state.workflowRuns.values()]
      .filter((r) => r.inputs?.pr === String(pr) && r.inputs.sha === headSha && r.status !== "completed")
      .sort((a, b) => b.id - a.id)[0];
    if (!run) throw new Error(`no training of #${pr} @ ${headSha.slice(0, 7)} was dispatched`);
    return run;
  }

  /** Finishes the training run the App dispatched for the pull request's head, with its result artifact. */
  train(pr: number, result: TrainResult): WorkflowRun {
    const run = this.dispatchedRun(pr);
    const headSha = run.inputs?.sha ?? "";
    const claims = parseRunLog(result.log, { exitCode: result.exitCode ?? 0 });
    const code = Buffer.byteLength(this.fake.state.file(headSha, "train_gpt.py") ?? "", "utf8");
    const modelBytes =
      result.modelBytes !== undefined
        ? result.modelBytes
        : claims.artifact_bytes !== null && claims.artifact_bytes > code
          ? claims.artifact_bytes - code
          : 8_000_000;
    const score =
      result.score !== undefined
        ? result.score
        : claims.val_bpb === null
          ? null
          : honestScore(claims.val_bpb);
    const files = result.files ?? {
      "train.log": result.log,
      "run.json": JSON.stringify({
        exit_code: result.exitCode ?? 0,
        timed_out: result.timedOut ?? false,
        seconds: result.seconds ?? 300,
        model_bytes: modelBytes,
      }),
      ...(score === null && !result.runnerFlags
        ? {}
        : { "result.json": JSON.stringify({ version: 1, score, flags: result.runnerFlags ?? [] }) }),
    };
    run.status = "completed";
    run.conclusion = (result.exitCode ?? 0) === 0 ? "success" : "failure";
    run.artifacts = [{ id: 7_000_000 + ++this.runs, name: "caddie-result", zip: zip(files), expired: false }];
    return run;
  }

  /** Trains the pull request and delivers `workflow_run.completed`. */
  finish(pr: number, result: TrainResult): Promise<Delivery> {
    return this.send("workflow_run", workflowRunPayload(this.fake, this.train(pr, result)));
  }

  /**
   * Finishes the baseline pull request: its first run, then every re-run the bot asks for (one per extra
   * baseline run, each a new attempt, so a new seed), until the bot closes it. Returns the last delivery.
   */
  async finishBaseline(
    pr: number,
    result: TrainResult | ((attempt: number) => TrainResult),
  ): Promise<Delivery> {
    const resultOf = typeof result === "function" ? result : () => result;
    let delivery = await this.finish(pr, resultOf(1));
    for (let guard = 0; guard < 10 && this.fake.state.pulls.get(pr)?.state === "open"; guard++) {
      const queued = [...this.fake.state.workflowRuns.values()].find(
        (r) => r.inputs?.pr === String(pr) && r.status === "queued",
      );
      if (!queued) break;
      delivery = await this.rerunFinished(queued, resultOf(queued.attempt ?? 1));
    }
    return delivery;
  }

  /** Completes a re-run the bot asked for (its latest attempt) with a new result artifact. */
  rerunFinished(run: WorkflowRun, result: TrainResult): Promise<Delivery> {
    // The re-run is the dispatched run itself, queued again: training completes that very run.
    const done = this.train(Number(run.inputs?.pr ?? 0), result);
    return this.send("workflow_run", workflowRunPayload(this.fake, done));
  }

  /** Dispatches of the promotion workflow (training dispatches left out). */
  promoteDispatches(): { workflowId: string; ref: string; inputs: unknown }[] {
    return this.fake.state.workflowDispatches.filter((d) => d.workflowId === "caddie-promote.yml");
  }

  /** A file on the state branch, or null. */
  stateFile(path: string): string | null {
    return this.fake.state.file("caddie/state", path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.fake.close();
  }
}
