/**
 * What `caddie run` checks before it creates anything: the checks of `caddie doctor` that need no network,
 * and, only when Claude will propose (a key, not --agent sweep), the model on the Models API: one request
 * the run would make anyway, asked before the baselines train rather than after. A failure stops the run
 * with every failed check and its fix; warnings are printed and the run goes on.
 */
import { UserError } from "../../core/user-error.ts";
import { renderChecks } from "./check.ts";
import { runDoctor, type DoctorOptions } from "./run-doctor.ts";

export async function preflight(
  options: Omit<DoctorOptions, "network" | "app">,
  stderr: (text: string) => void,
): Promise<void> {
  const claude = Boolean(options.env.ANTHROPIC_API_KEY) && options.agent !== "sweep";
  const checks = await runDoctor({ ...options, network: claude, app: false });
  const warnings = checks.filter((c) => c.status === "warn");
  if (warnings.length > 0) stderr(`${renderChecks(warnings)}\n`);
  const failures = checks.filter((c) => c.status === "fail");
  if (failures.length > 0)
    throw new UserError(
      `cannot start: ${failures.length} check${failures.length === 1 ? "" : "s"} failed (nothing was created)\n` +
        `${renderChecks(failures)}\n(caddie doctor --repo ${options.repo} runs every check)`,
    );
}
