"""The same 10,000-item workbook read as a Python user would: openpyxl with data_only=True,
iterating the rows. Run after `cargo bench -p sitebook-core --bench parse`, which writes the
file. Prints the best of 3 runs; with `--once`, reads it once and prints the item count, for
whole-process comparisons with `sitebook estimate parse`."""

import pathlib
import sys
import time

import openpyxl

path = pathlib.Path(__file__).resolve().parents[3] / "target" / "bench-workbooks" / "estimate-10000.xlsx"
arguments = [a for a in sys.argv[1:] if a != "--once"]
once = "--once" in sys.argv[1:]
if arguments:
    path = pathlib.Path(arguments[0])

best = None
for _ in range(1 if once else 3):
    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, data_only=True)
    sheet = workbook["Estimate"]
    items = 0
    for row in sheet.iter_rows(values_only=True):
        if isinstance(row[0], (int, float)) and row[7] is not None:
            items += 1
    elapsed = time.perf_counter() - started
    best = elapsed if best is None else min(best, elapsed)
if once:
    print(items)
    sys.exit(0)
print(f"openpyxl load_workbook(data_only=True) + iter_rows: {items} items, best {best * 1000:.0f} ms")
