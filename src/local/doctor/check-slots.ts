/**
 * The slots `caddie run` would train on: every named GPU present, no more slots than GPUs, and a command
 * that starts as many processes as a slot has GPUs (a 2-GPU torchrun proxy with gpus_per_slot 2).
 */
import type { CaddieConfig } from "../../core/config.ts";
import { UserError } from "../../core/user-error.ts";
import { expandVariables } from "../caddie-paths.ts";
import { localSlots } from "../local-slots.ts";
import { fail, ok, warn, type Check } from "./check.ts";
import { processesPerNode } from "./check-python.ts";

export async function checkSlots(
  config: CaddieConfig,
  vars: Record<string, string | undefined>,
): Promise<Check[]> {
  const proxy = config.tiers.proxy;
  let plan;
  try {
    plan = await localSlots(proxy, vars);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return [fail("slots", error.message, "name GPUs that exist (nvidia-smi -L lists them), or fewer slots")];
  }
  const checks: Check[] = [];
  const wanted = processesPerNode(proxy.command.map((a) => expandVariables(a, vars)));
  const gpuSlots = plan.slots.some((s) => s.devices !== null);
  if (gpuSlots && wanted !== null && wanted !== proxy.gpusPerSlot)
    checks.push(
      fail(
        "slots",
        `each slot gets ${proxy.gpusPerSlot} GPU${proxy.gpusPerSlot === 1 ? "" : "s"} (tiers.proxy.gpus_per_slot), but the command starts ${wanted} processes (--nproc_per_node=${wanted})`,
        `set gpus_per_slot to ${wanted}, or --nproc_per_node=${proxy.gpusPerSlot} in tiers.proxy.command`,
      ),
    );
  else if (plan.slots.length > 1)
    checks.push(ok("slots", `${plan.slots.length} at once: ${plan.slots.map((s) => s.label).join("; ")}`));
  else checks.push(ok("slots", "one experiment at a time"));
  for (const w of plan.warnings) checks.push(warn("slots", w));
  return checks;
}
