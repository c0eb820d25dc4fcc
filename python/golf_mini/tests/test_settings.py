"""The settings block keeps the one-line shape a sweep tool rewrites in place."""

import re

import train_gpt

TRAIN_GPT = train_gpt.__file__

LINE = re.compile(r'^([A-Z][A-Z0-9_]*) = (int|float|str)\(os\.environ\.get\("\1", ([^)]+)\)\)  # \S.*$')
REQUIRED = {
    "DATA_PATH", "RUN_ID", "SEED", "VOCAB_SIZE", "MODEL_DIM", "NUM_LAYERS", "NUM_HEADS", "MLP_MULT",
    "TRAIN_SEQ_LEN", "TRAIN_BATCH_TOKENS", "ITERATIONS", "WARMDOWN_ITERS", "MATRIX_LR", "EMBED_LR",
    "WEIGHT_DECAY", "GRAD_CLIP_NORM", "VAL_LOSS_EVERY", "TRAIN_LOG_EVERY", "VAL_MAX_TOKENS",
    "MAX_WALLCLOCK_SECONDS", "TORCH_THREADS",
}


def settings_lines():
    """Lines from the banner headed `# Settings` to the next dashed banner, comments left out."""
    lines = open(TRAIN_GPT, encoding="utf-8").read().splitlines()
    banners = [i for i, line in enumerate(lines) if line.startswith("# ----")]
    start = next(i for i in banners if i > lines.index("# Settings"))  # closes the banner's title
    end = next(i for i in banners if i > start)
    return [line for line in lines[start + 1 : end] if line and not line.startswith("#")]


def test_every_setting_is_one_line_of_the_sweepable_shape():
    lines = settings_lines()
    assert lines, "settings block not found between its banners"
    for line in lines:
        assert LINE.match(line), f"not sweepable: {line}"


def test_the_required_settings_are_all_there_once_with_literal_defaults():
    found = [LINE.match(line) for line in settings_lines()]
    names = [m.group(1) for m in found]
    assert len(names) == len(set(names))
    assert REQUIRED <= set(names)
    for m in found:
        kind, literal = m.group(2), m.group(3)
        assert eval(kind)(eval(literal, {})) == eval(literal, {})  # a plain literal of the declared type
