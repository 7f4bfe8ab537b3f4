"""`make bench`: the figures we claim, measured side by side with the alternatives in one run.

Benchmarks are measurements, not tests: they print a table (and write JSON to $BENCH_JSON) and never fail
on a missed target; the table says which targets hold.
"""
