#!/usr/bin/env python3
"""Times the durable write that every create waits for: 4 KiB appended to a
file and fsync'd, one after another, as the store's single writer commits.
Prints the median and the 95th percentile in milliseconds, and how many such
writes a second that allows.

    scripts/load/fsync_baseline.py [DIRECTORY] [ROUNDS]

DIRECTORY defaults to the temporary directory, where scripts/load/run.sh
keeps its database; ROUNDS to 2000.
"""
import os
import statistics
import sys
import tempfile
import time

directory = sys.argv[1] if len(sys.argv) > 1 else tempfile.gettempdir()
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
block = b"x" * 4096

with tempfile.NamedTemporaryFile(dir=directory, prefix="fsync-baseline-") as probe:
    milliseconds = []
    for _ in range(rounds):
        probe.write(block)
        probe.flush()
        start = time.perf_counter()
        os.fsync(probe.fileno())
        milliseconds.append((time.perf_counter() - start) * 1000)

median = statistics.median(milliseconds)
p95 = statistics.quantiles(milliseconds, n=20)[18]
print(
    f"write of 4 KiB and fsync in {directory}, {rounds} rounds: "
    f"median {median:.3f} ms, p95 {p95:.3f} ms, "
    f"{1000 / statistics.mean(milliseconds):,.0f} per second one after another"
)
