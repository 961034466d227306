"""`make bench` (bench.py), its child-process worker and the baseline handlers it compares against."""
