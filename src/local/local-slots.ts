/**
 * The slots of `caddie run` on this machine: the config's (or the command line's) `gpus`, `slots` and
 * `gpus_per_slot` checked against the GPUs that are really here (visible-gpus.ts), by the one rule in
 * src/core/slots.ts. GPUs are looked for only when more than the default single slot is asked for.
 */
import type { ProxyTier } from "../core/config.ts";
import { planSlots, type SlotPlan } from "../core/slots.ts";
import { resolvePython } from "./caddie-paths.ts";
import { visibleGpus } from "./visible-gpus.ts";

export async function localSlots(
  proxy: Pick<ProxyTier, "gpus" | "slots" | "gpusPerSlot">,
  env: Record<string, string | undefined>,
): Promise<SlotPlan> {
  const asked = proxy.gpus !== null || (proxy.slots ?? 1) > 1;
  const visible = asked ? await visibleGpus(env, resolvePython(env)) : null;
  return planSlots({ gpus: proxy.gpus, slots: proxy.slots, gpusPerSlot: proxy.gpusPerSlot, visible });
}

/** The command line's --gpus / --slots over the config's (--gpus alone means one slot per its GPUs). */
export function withSlotFlags<T extends { gpus: string[] | null; slots: number | null }>(
  proxy: T,
  flags: { gpus?: string[]; slots?: number },
): T {
  if (flags.gpus) return { ...proxy, gpus: flags.gpus, slots: flags.slots ?? null };
  return { ...proxy, slots: flags.slots ?? proxy.slots };
}
