"""`make bench`: throughput ratios measured in one run on this machine.

Run from the repository root as `python -m tests.bench` (`--quick` for short durations).
It starts its own Mongo-wire server, identity, catalog, tasks and the gateway as subprocesses
on free ports with their own database, Redis, exchange and queue names, drives them from this
process with an aiohttp load generator, prints a table and writes `var/bench/<ts>.json`.
Figures are reported, never asserted: this is not part of `make test`.
"""
