"""Bench-only Django pieces: the baseline endpoint the benchmarks compare against.

Never part of the production URLconf: served only with `bench.baseline.settings`."""
