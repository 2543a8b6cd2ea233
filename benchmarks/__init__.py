"""Benchmarks: `make bench` (= `python -m benchmarks.run`) builds a large synthetic data set in
a fresh PostgreSQL database, loads the app under gunicorn and writes benchmarks/RESULTS.md.
`bench_matcher.py` holds the matcher's own micro-benchmarks."""
