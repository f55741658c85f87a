"""Benchmarks of the platform; each runs with ``python -m bench.<name>``."""
