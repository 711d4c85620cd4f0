"""Benchmarks: each one a module run with `python -m bench.NAME` that prints one JSON line."""
