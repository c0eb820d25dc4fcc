import { describe, expect, it } from "vitest";
import { findLogError } from "../../src/core/find-log-error.ts";

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

describe("findLogError", () => {
  it("returns null for a log without traceback or error line", () => {
    expect(
      findLogError(lines("step:1/2 train_loss:1.0", "Warning: NCCL_ASYNC_ERROR_HANDLING is deprecated")),
    ).toBeNull();
  });

  it("takes the last informative error line", () => {
    const log = lines(
      "ValueError: first",
      "Traceback (most recent call last):",
      '  File "a.py"',
      "RuntimeError: second",
    );
    expect(findLogError(log)).toEqual({ line: "RuntimeError: second" });
  });

  it("falls back to an uninformative error line when it is the only one", () => {
    expect(
      findLogError(lines("torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ")),
    ).toEqual({
      line: "torch.distributed.elastic.multiprocessing.errors.ChildFailedError:",
    });
  });

  it("reports a traceback that ends without any exception line", () => {
    expect(findLogError(lines("Traceback (most recent call last):", '  File "a.py", line 3'))).toEqual({
      line: null,
    });
  });

  it("takes the exception line of a traceback even when its type is not an Error", () => {
    const log = lines(
      "Traceback (most recent call last):",
      '  File "a.py"',
      "    x()",
      "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:",
    );
    expect(findLogError(log)).toEqual({
      line: "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:",
    });
  });

  it("ignores a traceback printed under 'Exception ignored in', error line included", () => {
    const log = lines(
      "Exception ignored in: <function f>",
      "",
      "Traceback (most recent call last):",
      '  File "a.py"',
      "AttributeError: gone",
    );
    expect(findLogError(log)).toBeNull();
  });

  it("cuts an enormous error line to a readable length", () => {
    const found = findLogError(lines(`RuntimeError: ${"x".repeat(5000)}`));
    expect(found?.line?.length).toBe(503);
    expect(found?.line?.endsWith("...")).toBe(true);
  });
});
