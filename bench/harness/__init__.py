"""The benchmark harness behind bench/run (Python 3 standard library only)."""
