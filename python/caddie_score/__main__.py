"""`python -m caddie_score split ...` | `python -m caddie_score score ...` (see docs/SCORING.md)."""

import sys


def main(argv):
    if not argv or argv[0] not in ("split", "score"):
        print("usage: python -m caddie_score {split|score} [options]  (--help after the command for options)",
              file=sys.stderr)
        return 2
    if argv[0] == "split":
        from .split import main as run
    else:
        from .score import main as run
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
