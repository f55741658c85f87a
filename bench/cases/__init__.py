"""Cases at scale: the case list, the case page and the deadline sweep with 100,000 cases.

Run with ``python -m bench.cases``; ``bench/README.md`` has the figures.
"""
