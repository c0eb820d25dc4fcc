import { describe, expect, it } from "vitest";
import { MIN_FREE_BYTES, formatBytes, planDisk } from "../../src/core/disk-plan.ts";

const MB = 1_000_000;

describe("planDisk", () => {
  it("stops before a run that cannot fit, naming the free space and the fix", () => {
    const plan = planDisk({ freeBytes: 50 * MB, peakRunBytes: 80 * MB, keptRunBytes: 9 * MB, runsLeft: 3 });
    expect(plan.stop).toContain("50 MB free");
    expect(plan.stop).toContain("80 MB");
    expect(plan.stop).toContain("free some space");
  });

  it("never starts below the floor, even before any run was measured", () => {
    expect(
      planDisk({ freeBytes: MIN_FREE_BYTES - 1, peakRunBytes: null, keptRunBytes: null, runsLeft: 1 }).stop,
    ).not.toBeNull();
  });

  it("warns when the session's kept run folders would fill the disk", () => {
    const plan = planDisk({
      freeBytes: 500 * MB,
      peakRunBytes: 80 * MB,
      keptRunBytes: 9 * MB,
      runsLeft: 100,
    });
    expect(plan.stop).toBeNull();
    expect(plan.warn).toContain("100 run(s) left");
    expect(plan.warn).toContain("971 MB"); // 80 MB for the next run's peak + 99 kept folders of 9 MB
  });

  it("is quiet when everything fits", () => {
    expect(
      planDisk({ freeBytes: 10_000 * MB, peakRunBytes: 80 * MB, keptRunBytes: 9 * MB, runsLeft: 100 }),
    ).toEqual({
      stop: null,
      warn: null,
    });
  });

  it("formats bytes in decimal units", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(67_224_983)).toBe("67 MB");
    expect(formatBytes(7_500_000_000)).toBe("7.5 GB");
  });
});
