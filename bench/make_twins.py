"""Write a deterministic twin-town file N times the size of the shared one.

    python bench/make_twins.py --scale 10 -o /tmp/twins-10x.csv

Copy k (0 <= k < N) of every town is the town itself for k = 0 and
"<name> <k>" otherwise, at the same country and slightly moved coordinates.
Copy k of each pair joins copy k of its first town to copy (k + r) mod N of
its second, where r comes from a fixed hash of the row, so the copies are
woven into one network rather than N disjoint ones.  The same scale always
gives the same bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TWIN_CITIES  # noqa: E402


def _copy(name: str, lat: str, lng: str, k: int) -> tuple[str, str, str]:
    if k == 0:
        return name, lat, lng
    # A malformed coordinate stays malformed: the importer must still skip that row.
    with contextlib.suppress(ValueError):
        lat, lng = f"{float(lat) + k * 0.01:.4f}", f"{float(lng) + k * 0.01:.4f}"
    return f"{name} {k}", lat, lng


def write_scaled(source: Path, scale: int, out) -> int:
    """Write the scaled file to ``out``; return its number of data rows."""
    with open(source, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for k in range(scale):
        for i, row in enumerate(rows):
            if len(row) != 8:
                writer.writerow(row)
                count += 1
                continue
            shift = int.from_bytes(hashlib.blake2b(f"{i}".encode(), digest_size=2).digest(), "big") % scale
            c1, la1, lo1 = _copy(row[0], row[2], row[3], k)
            c2, la2, lo2 = _copy(row[4], row[6], row[7], (k + shift) % scale)
            writer.writerow([c1, row[1], la1, lo1, c2, row[5], la2, lo2])
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--source", type=Path, default=TWIN_CITIES)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    with open(args.output, "w", encoding="utf-8", newline="") as out:
        rows = write_scaled(args.source, args.scale, out)
    print(f"wrote {rows} rows to {args.output}")


if __name__ == "__main__":
    main()
