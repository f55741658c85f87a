"""The cost of the platform's request path, against a bare Flask app on the same server.

Run with ``python -m bench.http`` (``make bench``); ``bench/README.md`` has the figures.
"""
