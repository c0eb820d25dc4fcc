/**
 * The Python that trains: the one the command runs (its `python` argument, or the interpreter of
 * `torchrun`), else caddie's configured one. It must parse the script and import everything the script
 * imports; when the script or the command uses torch, it must see CUDA where the script requires it and
 * as many GPUs as the command starts processes.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { CaddieConfig } from "../../core/config.ts";
import { expandVariables } from "../caddie-paths.ts";
import { fail, ok, type Check } from "./check.ts";

const run = promisify(execFile);

// Printed as one JSON line by the configured Python: syntax, missing imports, torch, CUDA and GPUs.
const PROBE = `
import ast, importlib.util, json, sys
out = {"python": sys.version.split()[0], "executable": sys.executable, "syntax": None, "missing": []}
try:
    tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
except SyntaxError as e:
    tree = None
    out["syntax"] = "line %s: %s" % (e.lineno, e.msg)
mods = set()
for node in (tree.body if tree else []):
    if isinstance(node, ast.Import):
        mods.update(a.name.split(".")[0] for a in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        mods.add(node.module.split(".")[0])
out["missing"] = sorted(m for m in mods if importlib.util.find_spec(m) is None)
out["torch"] = ""
if "torch" in mods or sys.argv[2] == "torchrun":
    try:
        import torch
        out["torch"] = torch.__version__
        out["cuda"] = bool(torch.cuda.is_available())
        out["gpus"] = int(torch.cuda.device_count())
    except Exception as e:
        out["torch"] = None
        out["torch_error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
`;

interface Probe {
  python: string;
  executable: string;
  syntax: string | null;
  missing: string[];
  /** "" when neither the script nor the command needs torch; null when it does not import. */
  torch: string | null;
  torch_error?: string;
  cuda?: boolean;
  gpus?: number;
}

/** A program as the command would find it: a path as given, a bare name on PATH. */
async function which(program: string, env: Record<string, string | undefined>): Promise<string | null> {
  const candidates = program.includes("/")
    ? [program]
    : (env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, program));
  for (const file of candidates) {
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return null;
}

/** The interpreter a `#!` script (torchrun) runs under. */
async function shebangPython(file: string): Promise<string | null> {
  const first = (await readFile(file, "utf8").catch(() => "")).split("\n", 1)[0] ?? "";
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  if (!m) return null;
  return m[1]?.endsWith("/env") ? (m[2] ?? null) : (m[1] ?? null);
}

/** `--nproc_per_node=8` or `--nproc_per_node 8` -> 8; null when the command does not say a number. */
export function processesPerNode(argv: string[]): number | null {
  for (const [i, arg] of argv.entries()) {
    const value = arg.startsWith("--nproc_per_node=")
      ? arg.slice("--nproc_per_node=".length)
      : arg === "--nproc_per_node"
        ? argv[i + 1]
        : undefined;
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return null;
}

/** A script that refuses to start without CUDA (the root train_gpt.py does). */
function needsCuda(script: string): boolean {
  return /if not torch\.cuda\.is_available\(\)|torch\.cuda\.set_device\(/.test(script);
}

export async function checkPython(
  root: string,
  script: string,
  config: CaddieConfig,
  vars: Record<string, string | undefined>,
): Promise<Check[]> {
  const env = { ...process.env, ...vars };
  const argv = config.tiers.proxy.command.map((a) => expandVariables(a, env));
  const program = argv[0] ?? "";
  const checks: Check[] = [];
  let python = vars.PYTHON ?? "python3";
  if (path.basename(program).startsWith("python")) python = program;
  else if (path.basename(program) === "torchrun") {
    const torchrun = await which(program, env);
    if (torchrun === null) {
      checks.push(
        fail(
          "torchrun",
          `${program} is not on PATH`,
          "install PyTorch into the Python that trains, or put its bin folder on PATH (or set CADDIE_PYTHON and use [${PYTHON}, -m, torch.distributed.run, ...] as the command)",
        ),
      );
    } else {
      checks.push(ok("torchrun", torchrun));
      python = (await shebangPython(torchrun)) ?? python;
    }
  }
  let probe: Probe;
  try {
    const { stdout } = await run(
      python,
      ["-c", PROBE, path.join(root, config.target), path.basename(program)],
      {
        timeout: 120_000,
        env,
      },
    );
    probe = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Probe;
  } catch (error) {
    const why = (error as { code?: string }).code === "ENOENT" ? "not found" : "did not run";
    return [
      ...checks,
      fail(
        "python",
        `${python} ${why}`,
        "run 'npm run setup', or set CADDIE_PYTHON to the Python that has torch",
      ),
    ];
  }
  checks.push(ok("python", `${probe.executable} (Python ${probe.python})`));
  if (probe.syntax !== null)
    checks.push(
      fail(
        "script",
        `${config.target} does not parse: ${probe.syntax}`,
        `fix the syntax error in ${config.target}`,
      ),
    );
  if (probe.missing.length > 0)
    checks.push(
      fail(
        "imports",
        `${probe.executable} cannot import ${probe.missing.join(", ")}, which ${config.target} imports`,
        `${probe.executable} -m pip install ${probe.missing.join(" ")}`,
      ),
    );
  if (probe.torch === "") return checks;
  if (probe.torch === null) {
    // A missing torch is already on the imports line; a broken one is said here.
    if (probe.missing.includes("torch")) return checks;
    checks.push(
      fail(
        "torch",
        `${probe.executable} cannot import torch (${probe.torch_error ?? "unknown error"})`,
        `${probe.executable} -m pip install torch`,
      ),
    );
    return checks;
  }
  const gpus = probe.gpus ?? 0;
  const wanted = processesPerNode(argv);
  if (needsCuda(script) && !probe.cuda)
    checks.push(
      fail(
        "cuda",
        `torch ${probe.torch} sees no CUDA device, and ${config.target} requires one`,
        "run on a machine with an NVIDIA GPU and a CUDA build of PyTorch",
      ),
    );
  else if (wanted !== null && wanted > gpus && (probe.cuda || needsCuda(script)))
    checks.push(
      fail(
        "gpus",
        `the command starts ${wanted} processes (--nproc_per_node=${wanted}) but torch sees ${gpus} GPU${gpus === 1 ? "" : "s"}`,
        `set --nproc_per_node=${Math.max(gpus, 1)} in tiers.proxy.command`,
      ),
    );
  else if (probe.cuda) checks.push(ok("cuda", `torch ${probe.torch}, ${gpus} GPU${gpus === 1 ? "" : "s"}`));
  else checks.push(ok("cuda", `torch ${probe.torch} on CPU only (${config.target} does not require CUDA)`));
  return checks;
}
