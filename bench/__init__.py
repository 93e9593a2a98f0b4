"""Benchmarks of the child-friendly commune evaluation system (not tests: pytest never collects them).

Run one with ``.venv/bin/python -m bench.score_batch``; see docs/benchmarks.md.
"""
