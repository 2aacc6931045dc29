"""`make bench`: throughput ratios measured in one run on this machine.

Run from the repository root as `python -m tests.bench` (`--quick` for short durations).
It starts its own Mongo-wire server, identity, catalog, tasks and the gateway as subprocesses
on free ports with their own database, Redis, exchange and queue names, drives them from this
process with an aiohttp load generator, prints a table and writes `var/bench/<ts>.json`.
Figures are reported, never asserted: this is not part of `make test`.

Measured through the suite: logins against bare argon2id, the gateway's overhead on an
authenticated read, cached catalog reads against the gateway's own `whoami`, uncached search,
the deadline burst of submissions. Then, with an API process and a worker process of their
own (`relay.py`, `relay_worker.py`), commit-to-publish latency of the outbox with the relay
nudged through Redis and with the poll alone. After the suite stops, in this process
(`in_process.py`): the catalog's search engine over a synthetic corpus
(`catalog_search_perf.py`), building the catalog's demo data (`catalog_demo.py`) and a
5,000-row roster import (`identity_roster.py`): the measurements that were once timed
assertions in unit tests.

Rate limits: the suite's gateway runs with its per-address login, per-user and per-tenant
limits raised out of reach (a load generator from one address would meet them at once; raised,
not off, so every request still pays the limiter's Redis call); a second gateway with the
limiter off gives the limiter's own cost.
"""
