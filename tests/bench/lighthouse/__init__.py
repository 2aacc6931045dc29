"""`make bench-portal` (also the last step of `make bench`): Lighthouse on the portal.

`python -m tests.bench.lighthouse [--gateway URL]` runs `run.mjs` (Lighthouse's Node API,
npm `lighthouse` from this folder's package-lock.json, Debian's chromium as `CHROME_PATH`)
on the login page and the pupil's home, mobile profile, default throttling; it prints the
performance and accessibility scores and the JavaScript + CSS transferred against the
targets and writes the JSON reports under `var/lighthouse/`. A missed target is printed,
never a failure.

When the gateway already answers (`make run`, http://127.0.0.1:8000 unless `--gateway`
says otherwise) it is measured as it is and nothing is started. Otherwise the suite is
started on isolated names as `make bench` starts it (`tests/bench/stack.py`) with the demo
data of `make run` (identity, catalog with its files, tasks), measured, and stopped.
"""
