"""`python -m tests.bench [--quick]`: see tests/bench/__init__.py."""

from __future__ import annotations

import argparse
import sys

from tests.bench.suite import FULL, QUICK, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="short durations, to check that the bench works"
    )
    args = parser.parse_args(argv)
    return run(QUICK if args.quick else FULL)


if __name__ == "__main__":
    sys.exit(main())
