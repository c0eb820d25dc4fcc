import { describe, expect, it } from "vitest";
import { parseGpuList, planSlots } from "../../src/core/slots.ts";
import { parseConfig } from "../../src/core/config.ts";

const four = ["0", "1", "2", "3"];

describe("planSlots", () => {
  it("keeps one slot on the environment's GPUs by default", () => {
    expect(planSlots({ gpus: null, slots: null, gpusPerSlot: 1, visible: four })).toEqual({
      slots: [{ index: 0, devices: null, label: "slot 0" }],
      warnings: [],
    });
  });

  it("gives each named GPU its own slot, and several GPUs to a slot when asked", () => {
    const one = planSlots({ gpus: ["0", "1", "2", "3"], slots: null, gpusPerSlot: 1, visible: four });
    expect(one.slots.map((s) => s.devices)).toEqual([["0"], ["1"], ["2"], ["3"]]);
    const two = planSlots({ gpus: ["0", "1", "2", "3"], slots: null, gpusPerSlot: 2, visible: four });
    expect(two.slots.map((s) => [s.devices, s.label])).toEqual([
      [["0", "1"], "gpus 0,1"],
      [["2", "3"], "gpus 2,3"],
    ]);
  });

  it("counts indices within caddie's own CUDA_VISIBLE_DEVICES", () => {
    const plan = planSlots({ gpus: ["0", "1"], slots: null, gpusPerSlot: 1, visible: ["4", "6"] });
    expect(plan.slots.map((s) => s.devices)).toEqual([["4"], ["6"]]);
  });

  it("spreads N slots over the first GPUs when none are named, or over the CPU when there is none", () => {
    expect(
      planSlots({ gpus: null, slots: 2, gpusPerSlot: 2, visible: four }).slots.map((s) => s.devices),
    ).toEqual([
      ["0", "1"],
      ["2", "3"],
    ]);
    const cpu = planSlots({ gpus: null, slots: 3, gpusPerSlot: 1, visible: [] });
    expect(cpu.slots.map((s) => s.devices)).toEqual([null, null, null]);
    expect(cpu.warnings[0]).toMatch(/share the CPU/);
  });

  it("lets slots share a GPU named twice, and says their timings are not comparable", () => {
    const plan = planSlots({ gpus: ["0", "0"], slots: null, gpusPerSlot: 1, visible: ["0"] });
    expect(plan.slots.map((s) => s.devices)).toEqual([["0"], ["0"]]);
    expect(plan.warnings[0]).toMatch(/GPU 0 is shared .* not comparable/);
  });

  it.each([
    [
      { gpus: ["0", "5"], slots: null, gpusPerSlot: 1, visible: four },
      /GPU 5, which does not exist \(this machine: 4 GPUs, indices 0-3\)/,
    ],
    [
      { gpus: ["0"], slots: null, gpusPerSlot: 1, visible: [] },
      /no GPU is visible here \(CPU only\).*--slots N/,
    ],
    [{ gpus: ["0"], slots: null, gpusPerSlot: 1, visible: null }, /neither nvidia-smi nor torch/],
    [
      { gpus: ["0", "1"], slots: 4, gpusPerSlot: 1, visible: four },
      /4 slots of 1 GPU need 4 GPUs, but .* names 2/,
    ],
    [
      { gpus: null, slots: 8, gpusPerSlot: 1, visible: four },
      /8 slots of 1 GPU need 8 GPUs, but this machine has 4 GPUs.*at most 4/,
    ],
    [
      { gpus: ["0", "1", "2"], slots: null, gpusPerSlot: 2, visible: four },
      /3 GPUs, not a whole number of slots of 2/,
    ],
    [{ gpus: ["1", "1"], slots: null, gpusPerSlot: 2, visible: four }, /slot 0 would use GPU 1,1/],
  ])("refuses a plan that cannot work: %j", (request, message) => {
    expect(() => planSlots(request)).toThrow(message);
  });

  it("parses --gpus and refuses anything but indices", () => {
    expect(parseGpuList("0, 1,2")).toEqual(["0", "1", "2"]);
    expect(() => parseGpuList("0,gpu1")).toThrow(/--gpus must be GPU indices/);
    expect(() => parseGpuList("")).toThrow(/--gpus must be GPU indices/);
  });

  it("reads gpus, slots and gpus_per_slot from the config", () => {
    const config = parseConfig({ tiers: { proxy: { gpus: [0, "1"], gpus_per_slot: 2, overlap: true } } });
    expect(config.tiers.proxy).toMatchObject({
      gpus: ["0", "1"],
      slots: null,
      gpusPerSlot: 2,
      overlap: true,
      compileCache: true,
    });
    expect(() => parseConfig({ tiers: { proxy: { gpus: ["x"] } } })).toThrow(
      /tiers.proxy.gpus.0' must be a GPU index/,
    );
    expect(() => parseConfig({ tiers: { proxy: { slots: 0 } } })).toThrow(
      /tiers.proxy.slots' must be at least 1/,
    );
  });
});
