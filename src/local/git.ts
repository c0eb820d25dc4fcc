/** A thin wrapper over the git command line: argv only (no shell), stdin optional, clear errors. */
import { execFile } from "node:child_process";
import { UserError } from "../core/user-error.ts";

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

// Commits made by caddie need an identity even on a machine where git has none configured.
const IDENTITY = {
  GIT_AUTHOR_NAME: "caddie",
  GIT_AUTHOR_EMAIL: "caddie@localhost",
  GIT_COMMITTER_NAME: "caddie",
  GIT_COMMITTER_EMAIL: "caddie@localhost",
};

export class Git {
  constructor(
    readonly cwd: string,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** Runs git; resolves with the exit code instead of throwing, for commands where failure is an answer. */
  try(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        args,
        {
          cwd: this.cwd,
          env: { ...IDENTITY, ...this.env, GIT_TERMINAL_PROMPT: "0", ...options.env },
          maxBuffer: 256 * 1024 * 1024,
          encoding: "utf8",
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== "number") return reject(error);
          resolve({ stdout, stderr, code: error ? Number(error.code) : 0 });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** Runs git and returns trimmed stdout; throws with git's own message on failure. */
  async run(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.try(args, options);
    if (r.code !== 0)
      throw new Error(`git ${args.join(" ")} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout.replace(/\n$/, "");
  }

  /** Fails with a clear message when the folder is not a git repository. */
  static async open(dir: string, env?: Record<string, string | undefined>): Promise<Git> {
    const git = new Git(dir, env);
    let r: GitResult;
    try {
      r = await git.try(["rev-parse", "--show-toplevel"]);
    } catch {
      throw new UserError(`cannot run git in ${dir}: is git installed and does the folder exist?`);
    }
    if (r.code !== 0)
      throw new UserError(`${dir} is not a git repository (run 'git init' there, or pass --repo)`);
    return new Git(r.stdout.trim(), env);
  }
}
