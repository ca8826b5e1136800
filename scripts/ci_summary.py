#!/usr/bin/env python3
"""CI's closing line, added up from the runs' own reports, never written by hand.

Usage: ci_summary.py REPORT_DIR

REPORT_DIR holds one JUnit XML file per test run (pytest's --junitxml, schemathesis'
--report junit) and `stages.tsv`, one tab-separated line per CI stage: name, exit status, and the report
files it wrote (comma-separated, or "-"). A stage that failed without a failing test in its report (a crash,
a time-out, a migrations check) counts as one failure of its own, so a red stage can never
hide behind a green count. Prints one line per stage, then the closing line
`N passed, N failed, N skipped`, and exits 1 if anything failed.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def junit_counts(path):
    """(passed, failed, skipped) of a JUnit XML file, from its test cases."""
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        outcomes = {child.tag for child in case}
        if outcomes & {"failure", "error"}:
            failed += 1
        elif "skipped" in outcomes:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(report_dir):
    report_dir = Path(report_dir)
    totals = [0, 0, 0]
    stages = (report_dir / "stages.tsv").read_text().splitlines() if (report_dir / "stages.tsv").exists() else []
    if not stages:
        print("ci: no stage ran")
        totals[1] += 1
    for line in stages:
        name, status, report = line.split("\t")
        counts = [0, 0, 0]
        for file in [] if report == "-" else report.split(","):
            try:
                counts = [c + n for c, n in zip(counts, junit_counts(report_dir / file))]
            except (OSError, ET.ParseError) as error:
                print(f"ci: {name}: no readable report {file}: {error}")
        ran = sum(counts)
        if int(status) != 0 and counts[1] == 0:
            counts[1] += 1  # the stage itself failed: a crash, a time-out or a check
        elif report != "-" and ran == 0:
            counts[1] += 1  # a test stage that ran nothing is a failure, not a pass
        totals = [t + c for t, c in zip(totals, counts)]
        verdict = "ok" if int(status) == 0 and counts[1] == 0 else f"FAILED (exit {status})"
        tests = f": {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped" if report != "-" else ""
        print(f"ci: {name} {verdict}{tests}")
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
