"""Benchmarks: each module measures one thing against a baseline in the same run, prints a
table and writes a markdown report to benchmarks/reports/. `make bench` runs them all."""
