/**
 * The training process's environment, built from an allow-list rather than inherited: the run is
 * untrusted code, and whatever it can read it can print (and a printed key reaches logs, PR comments and
 * the model's context). It gets a small base list copied from caddie's own environment (paths, locale,
 * which GPUs), the tier's `env` from the config, and caddie's per-run values; never a name or value that
 * looks like a credential, whoever asks for it.
 */
import { UserError } from "./user-error.ts";

/** Copied from caddie's environment when set: what a trainer needs to find its tools and GPUs. */
const BASE_NAMES = new Set([
  "PATH",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "LD_LIBRARY_PATH",
  "CUDA_HOME",
  "CUDA_PATH",
  "CUDA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES",
  "NVIDIA_DRIVER_CAPABILITIES",
  "OMP_NUM_THREADS",
  "MKL_NUM_THREADS",
  "OPENBLAS_NUM_THREADS",
  "PYTORCH_CUDA_ALLOC_CONF",
  // Shared GPU hosts turn NVLink multicast off this way; a run must keep it off.
  "TORCH_SYMM_MEM_DISABLE_MULTICAST",
]);
const BASE_PREFIXES = ["LC_", "NCCL_", "NVSHMEM_"];

// Credential-shaped names: secrets and passwords anywhere in the name, keys and tokens at its end
// (`TRAIN_BATCH_TOKENS` and `BOS_TOKEN_ID` are settings), and the services caddie itself talks to.
const SECRET_NAME =
  /(^|_)(SECRET|PASSWORD|PASSWD|CREDENTIALS?)(_|$)|(^|_)(KEY|APIKEY|TOKEN|AUTH|COOKIE)$|^(ANTHROPIC|MODAL|GITHUB|GH|ACTIONS|AWS|AZURE|GOOGLE|OPENAI|CADDIE)_/i;

/** True for names whose values caddie never hands to a training run. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export interface TrainingEnvInput {
  /** caddie's own environment (process.env). */
  callerEnv: Record<string, string | undefined>;
  /** caddie's course variables (`${PYTHON}`, `${CADDIE_DATA}`...), trusted, never secrets. */
  variables: Record<string, string>;
  /** The tier's `env` from the config; `${NAME}` in values is expanded. */
  tierEnv: Record<string, string>;
  /** caddie's per-run values (HOME, TMPDIR, RUN_ID, SEED...); they win over everything else. */
  fixed: Record<string, string>;
}

export interface TrainingEnv {
  env: Record<string, string>;
  /** Expands `${NAME}` in an argv entry the same way, with the same refusal of secrets. */
  expand: (value: string) => string;
}

/**
 * Builds the allow-listed environment. Throws a UserError when the config asks for a credential (a
 * secret-shaped name in `env`, or `${NAME}` of one), so the refusal is one clear message, not a run that
 * silently misses its setting.
 */
export function trainingEnv(input: TrainingEnvInput): TrainingEnv {
  const lookup = (name: string): string => {
    if (isSecretName(name) && !(name in input.variables))
      throw new UserError(
        `config: the training command or env refers to \${${name}}, which looks like a credential; training runs never get credentials`,
      );
    return input.variables[name] ?? input.fixed[name] ?? input.callerEnv[name] ?? "";
  };
  const expand = (value: string) =>
    value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => lookup(name));

  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.callerEnv)) {
    if (value === undefined || isSecretName(name)) continue;
    if (BASE_NAMES.has(name) || BASE_PREFIXES.some((p) => name.startsWith(p))) env[name] = value;
  }
  for (const [name, value] of Object.entries(input.tierEnv)) {
    if (isSecretName(name))
      throw new UserError(
        `config: tiers env '${name}' looks like a credential; training runs never get credentials`,
      );
    env[name] = expand(value);
  }
  Object.assign(env, input.fixed);

  // Belt and braces: no value may carry a secret of caddie's, however it got there.
  const secrets = Object.entries(input.callerEnv)
    .filter(([name, value]) => isSecretName(name) && value !== undefined && value.length >= 8)
    .map(([, value]) => value as string);
  for (const [name, value] of Object.entries(env)) {
    if (secrets.some((s) => value.includes(s)))
      throw new UserError(`the training env '${name}' would carry one of caddie's credentials; refused`);
  }
  return { env, expand };
}
