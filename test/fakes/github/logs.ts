/**
 * Small training logs written here in the root train_gpt.py's format (model size, periodic and final
 * evaluation, submission size, the exact round-trip score), so App tests need no ../shared.
 */
export function rootLog(valBpb: number | string, options: { totalBytes?: number } = {}): string {
  const exact = typeof valBpb === "number" ? valBpb.toFixed(8) : valBpb;
  const short = Number(exact).toFixed(4);
  return [
    "model_params:17059912",
    "step:0/200 val_loss:6.9357 val_bpb:4.1077 train_time:0ms step_avg:0.01ms",
    "step:200/200 train_loss:2.3110 train_time:60000ms step_avg:300.00ms",
    `step:200/200 val_loss:2.1000 val_bpb:${short} train_time:60000ms step_avg:300.00ms`,
    "peak memory allocated: 10239 MiB reserved: 10500 MiB",
    `Total submission size int8+zlib: ${options.totalBytes ?? 8_000_500} bytes`,
    `final_int8_zlib_roundtrip val_loss:2.1000 val_bpb:${short} eval_time:1000ms`,
    `final_int8_zlib_roundtrip_exact val_loss:2.10000000 val_bpb:${exact}`,
    "",
  ].join("\n");
}
