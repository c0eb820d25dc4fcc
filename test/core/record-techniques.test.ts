import { describe, expect, it } from "vitest";
import { recordTechniques } from "../../src/core/record-techniques.ts";

describe("recordTechniques", () => {
  it.each([
    [
      "Record: 11L XSA + LQER + SparseAttnGate + SmearGate (BOS-fixed) + PolarNS Muon + 9-hparam stack — val_bpb 1.0611 (3-seed mean)",
      ["11L XSA", "LQER", "SparseAttnGate", "SmearGate (BOS-fixed)", "PolarNS Muon", "9-hparam stack"],
    ],
    [
      "Record: 11L EMA + TTT(20ep,freeze=0) — val_bpb=1.1213 (3-seed mean 1.1221)",
      ["11L EMA", "TTT(20ep,freeze=0)"],
    ],
    [
      "Notable Non-Record Submission: 1.1239 BPB — 106M Binary Asymmetric UNet",
      ["106M Binary Asymmetric UNet"],
    ],
    ["Records: SP8192 + LegalTTT 4ep — 1.0729 (Δ -0.0081 vs 04-09, p<1e-7)", ["SP8192", "LegalTTT 4ep"]],
    ["Record: 11L XSA+EMA+TTT, sliding BPB 1.1254", ["11L XSA", "EMA", "TTT"]],
    [
      "Non-record: Value Residual (-0.015 BPB) + Gated Attention (-0.003 BPB) with ablations",
      ["Value Residual", "Gated Attention", "ablations"],
    ],
  ])("reads the techniques of %j", (title, techniques) => {
    expect(recordTechniques(title)).toEqual(techniques);
  });
});
