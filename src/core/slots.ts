/**
 * Slots: how many experiments the local loop trains at once, and which GPUs each one sees. One rule for
 * `caddie run --gpus/--slots`, the config's `tiers.proxy.gpus/slots/gpus_per_slot` and `caddie doctor`,
 * so a plan that cannot work (a GPU that is not there, more slots than GPUs) is refused before anything
 * is created.
 */
import { UserError } from "./user-error.ts";

export interface Slot {
  index: number;
  /** The CUDA_VISIBLE_DEVICES entries this slot's runs get; null: the environment's own (one slot, or CPU). */
  devices: string[] | null;
  /** For messages: "gpu 0", "gpus 2,3", "slot 1". */
  label: string;
}

export interface SlotRequest {
  /** GPU indices as caddie sees them (--gpus or the config); null when not named. */
  gpus: string[] | null;
  /** Slots asked for; null: one per `gpusPerSlot` GPUs of `gpus`, else 1. */
  slots: number | null;
  gpusPerSlot: number;
  /**
   * The GPUs caddie can see, in index order (CUDA_VISIBLE_DEVICES when it is set, else the machine's);
   * [] on a machine without one; null when nothing could tell.
   */
  visible: string[] | null;
}

export interface SlotPlan {
  slots: Slot[];
  /** Worth saying, not worth stopping for (slots sharing a GPU, slots on the CPU). */
  warnings: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function planSlots(request: SlotRequest): SlotPlan {
  const { gpus, gpusPerSlot: per, visible } = request;
  if (gpus === null) return unnamed(request);
  const where = visible === null ? "" : ` (this machine: ${describeVisible(visible)})`;
  if (visible === null || visible.length === 0)
    throw new UserError(
      `--gpus / tiers.proxy.gpus names GPU ${gpus.join(",")}, but no GPU is visible here${visible === null ? " (neither nvidia-smi nor torch found one)" : " (CPU only)"}: leave gpus out, or use --slots N to run N experiments side by side without GPUs`,
    );
  const missing = [...new Set(gpus.filter((g) => Number(g) >= visible.length))];
  if (missing.length > 0)
    throw new UserError(
      `--gpus / tiers.proxy.gpus names GPU ${missing.join(", ")}, which does not exist${where}; GPU indices count from 0`,
    );
  if (gpus.length % per !== 0)
    throw new UserError(
      `--gpus names ${plural(gpus.length, "GPU")}, not a whole number of slots of ${per} (tiers.proxy.gpus_per_slot)`,
    );
  const available = gpus.length / per;
  const count = request.slots ?? available;
  if (count > available)
    throw new UserError(
      `${plural(count, "slot")} of ${plural(per, "GPU")} need ${count * per} GPUs, but --gpus / tiers.proxy.gpus names ${gpus.length}: name more GPUs or ask for fewer slots`,
    );
  const slots: Slot[] = [];
  for (let i = 0; i < count; i++) {
    const mine = gpus.slice(i * per, (i + 1) * per);
    if (new Set(mine).size < mine.length)
      throw new UserError(`slot ${i} would use GPU ${mine.join(",")}: a slot's GPUs must differ`);
    slots.push({
      index: i,
      devices: mine.map((g) => visible[Number(g)] ?? g),
      label: `gpu${per === 1 ? "" : "s"} ${mine.join(",")}`,
    });
  }
  const used = slots.flatMap((s) => s.devices ?? []);
  const shared = [...new Set(used.filter((d, i) => used.indexOf(d) !== i))];
  const warnings = shared.length
    ? [
        `GPU ${shared.join(", ")} is shared by several slots: runs there slow each other down, so their timings (and any wall-clock-capped result) are not comparable`,
      ]
    : [];
  return { slots, warnings };
}

/** No GPUs named: one slot as before, or N slots on the first N x per visible GPUs, or on the CPU. */
function unnamed(request: SlotRequest): SlotPlan {
  const { gpusPerSlot: per, visible } = request;
  const count = request.slots ?? 1;
  if (count === 1) return { slots: [{ index: 0, devices: null, label: "slot 0" }], warnings: [] };
  if (visible === null || visible.length === 0)
    return {
      slots: Array.from({ length: count }, (_, i) => ({ index: i, devices: null, label: `slot ${i}` })),
      warnings: [`${plural(count, "slot")} without GPUs (none visible here): the runs share the CPU`],
    };
  if (count * per > visible.length)
    throw new UserError(
      `${plural(count, "slot")} of ${plural(per, "GPU")} need ${count * per} GPUs, but this machine has ${describeVisible(visible)}: ask for at most ${Math.max(1, Math.floor(visible.length / per))}`,
    );
  return {
    slots: Array.from({ length: count }, (_, i) => {
      const mine = Array.from({ length: per }, (_, j) => i * per + j);
      return {
        index: i,
        devices: mine.map((g) => visible[g] ?? String(g)),
        label: `gpu${per === 1 ? "" : "s"} ${mine.join(",")}`,
      };
    }),
    warnings: [],
  };
}

function describeVisible(visible: string[]): string {
  return visible.length === 0
    ? "no GPU"
    : `${plural(visible.length, "GPU")}, ${visible.length === 1 ? "index 0" : `indices 0-${visible.length - 1}`}`;
}

/** `--gpus 0,1,2,3` -> ["0", "1", "2", "3"]; a clear error for anything else. */
export function parseGpuList(text: string): string[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 0 || items.some((s) => !/^\d+$/.test(s)))
    throw new UserError(
      `--gpus must be GPU indices separated by commas, e.g. --gpus 0,1,2,3 (got '${text}')`,
    );
  return items;
}
