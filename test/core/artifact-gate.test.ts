import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARTIFACT_LIMIT, gateArtifact } from "../../src/core/artifact-gate.ts";
import { UserError } from "../../src/core/user-error.ts";

describe("gateArtifact", () => {
  it("uses the decimal 16,000,000-byte cap by default, not 16 MiB", () => {
    expect(ARTIFACT_LIMIT).toBe(16_000_000);
    const over = gateArtifact({ codeBytes: 1, modelBytes: 16_000_000 });
    expect(over).toMatchObject({ artifact_bytes: 16_000_001, limit: 16_000_000, ok: false });
  });

  it("passes an artifact exactly at the limit and fails one byte over", () => {
    expect(gateArtifact({ codeBytes: 40, modelBytes: 60, limit: 100 }).ok).toBe(true);
    const over = gateArtifact({ codeBytes: 41, modelBytes: 60, limit: 100 });
    expect(over.ok).toBe(false);
    expect(over.reason).toBe("Artifact 101 bytes (code 41 + model 60) is over the 100-byte limit by 1.");
  });

  it("agrees with the baseline record's own size line (code 47,642 + model 15,815,847)", () => {
    expect(gateArtifact({ codeBytes: 47_642, modelBytes: 15_815_847, logArtifactBytes: 15_863_489 })).toEqual(
      {
        code_bytes: 47_642,
        model_bytes: 15_815_847,
        artifact_bytes: 15_863_489,
        limit: 16_000_000,
        ok: true,
        log_artifact_bytes: 15_863_489,
        mismatch: false,
        reason:
          "Artifact 15,863,489 bytes (code 47,642 + model 15,815,847) is within the 16,000,000-byte limit, 136,511 to spare.",
      },
    );
  });

  it("flags a log whose size line disagrees with our count, and says by how much", () => {
    const result = gateArtifact({ codeBytes: 1_000, modelBytes: 2_000, logArtifactBytes: 2_500 });
    expect(result).toMatchObject({
      artifact_bytes: 3_000,
      ok: true,
      log_artifact_bytes: 2_500,
      mismatch: true,
    });
    expect(result.reason).toContain("the log claims 2,500 bytes, 500 fewer than counted");
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "rejects the limit %s with a UserError",
    (limit) => {
      expect(() => gateArtifact({ codeBytes: 1, modelBytes: 1, limit })).toThrow(UserError);
    },
  );

  it("rejects negative or fractional byte counts with a UserError", () => {
    expect(() => gateArtifact({ codeBytes: -1, modelBytes: 1 })).toThrow(/code bytes/);
    expect(() => gateArtifact({ codeBytes: 1, modelBytes: 0.5 })).toThrow(/model bytes/);
    expect(() => gateArtifact({ codeBytes: 1, modelBytes: 1, logArtifactBytes: -3 })).toThrow(UserError);
  });

  it("holds for any sizes: artifact is the sum, ok iff within the limit, mismatch iff the log differs", () => {
    const count = fc.nat({ max: 2 ** 40 });
    fc.assert(
      fc.property(
        count,
        count,
        fc.integer({ min: 1, max: 2 ** 41 }),
        fc.option(count),
        (code, model, limit, log) => {
          const r = gateArtifact({ codeBytes: code, modelBytes: model, limit, logArtifactBytes: log });
          expect(r.artifact_bytes).toBe(code + model);
          expect(r.ok).toBe(code + model <= limit);
          expect(r.mismatch).toBe(log !== null && log !== code + model);
          expect(r.reason).not.toContain("\n");
        },
      ),
    );
  });
});
