/**
 * The cheap part of `caddie doctor` (no network) that `caddie run` runs before it creates anything: a
 * failure stops the run with every failed check and its fix; warnings are printed and the run goes on.
 */
import { UserError } from "../../core/user-error.ts";
import { renderChecks } from "./check.ts";
import { runDoctor, type DoctorOptions } from "./run-doctor.ts";

export async function preflight(
  options: Omit<DoctorOptions, "network" | "app">,
  stderr: (text: string) => void,
): Promise<void> {
  const checks = await runDoctor({ ...options, network: false, app: false });
  const warnings = checks.filter((c) => c.status === "warn");
  if (warnings.length > 0) stderr(`${renderChecks(warnings)}\n`);
  const failures = checks.filter((c) => c.status === "fail");
  if (failures.length > 0)
    throw new UserError(
      `cannot start: ${failures.length} check${failures.length === 1 ? "" : "s"} failed (nothing was created)\n` +
        `${renderChecks(failures)}\n(caddie doctor --repo ${options.repo} runs every check, the Models API included)`,
    );
}
