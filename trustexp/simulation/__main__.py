"""``python -m trustexp.simulation --refresh-demo``: regenerate ``trustexp/demo/``."""

from __future__ import annotations

import argparse
import sys

from trustexp.simulation._demo import refresh_demo


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and regenerate the demo files."""
    parser = argparse.ArgumentParser(prog="python -m trustexp.simulation", description=__doc__)
    parser.add_argument(
        "--refresh-demo", action="store_true", help="rewrite the demo trial in trustexp/demo/"
    )
    args = parser.parse_args(argv)
    if not args.refresh_demo:
        parser.print_help()
        return 2
    for path in refresh_demo():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
