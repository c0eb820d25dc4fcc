/**
 * A hint for a run that crashed before it could be measured, naming what it could not find and how to
 * fix it. Most first-run crashes of a fork are the data: FineWeb shards and the tokenizer are untracked
 * files that caddie links into each run folder from the repository's data folder.
 */

interface Rule {
  pattern: RegExp;
  hint: (found: string) => string;
}

const DATA_FIX =
  "caddie links the untracked files of the repository's data/ folder into every run folder, so put them there (for a parameter-golf fork: python data/cached_challenge_fineweb.py), or point the script's path setting at them in tiers.proxy.env";

// Path-ish: quoted, or a run of non-space characters.
const PATH = String.raw`['"]?([^'"\s]+?)['"]?`;

const RULES: Rule[] = [
  // First: a command that never started says "No such file" too.
  {
    pattern: /(?:could not|cannot) start ([^\s:]+)|execvp ([^\s:]+): No such file/,
    hint: (c) =>
      `${c} is not on the PATH caddie gives the run: install it or name its full path in tiers.proxy.command`,
  },
  {
    pattern: new RegExp(String.raw`No such file or directory:\s*${PATH}\s*$`),
    hint: (p) => `the run could not find ${p}: ${DATA_FIX}`,
  },
  {
    pattern: new RegExp(String.raw`${PATH}:\s*No such file or directory`),
    hint: (p) => `the run could not find ${p}: ${DATA_FIX}`,
  },
  {
    pattern: new RegExp(
      String.raw`(?:No files found for pattern|no shards match):?\s*${PATH}(?:;|\s|$)`,
      "i",
    ),
    hint: (p) => `the run found no files matching ${p}: ${DATA_FIX}`,
  },
  {
    pattern: /No module named ['"]?([\w.]+)['"]?/,
    hint: (m) =>
      `the run's Python cannot import ${m}: install it for the Python the tier's command runs (or set CADDIE_PYTHON)`,
  },
  {
    pattern: /(CUDA is required|no CUDA GPUs are available|Found no NVIDIA driver)/i,
    hint: () =>
      "the run found no GPU: check nvidia-smi and CUDA_VISIBLE_DEVICES, or use a tier command that runs on CPU",
  },
];

/**
 * The hint for a crash, from its error line or the last lines of its log (read from the end), or null
 * when caddie has nothing more useful to say than the error itself.
 */
export function crashHint(text: string | null): string | null {
  if (!text) return null;
  for (const line of text.split(/\r?\n/).reverse()) {
    for (const rule of RULES) {
      const m = rule.pattern.exec(line.trim());
      if (m) return rule.hint(m[1] ?? m[2] ?? "");
    }
  }
  return null;
}
