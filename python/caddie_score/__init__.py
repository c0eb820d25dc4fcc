"""caddie's own scoring: held-out validation data, the sandbox for untrusted processes, and the trusted
re-score of a run's model (see docs/SCORING.md). Run as `python -m caddie_score split|score` and
`python -m caddie_score.sandbox`, with caddie's python/ folder on PYTHONPATH."""
