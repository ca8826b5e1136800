"""A release's files checked before it is kept: every row's keys, types, enumerations and
required cells by `check_files`, and the descriptor with each file's first rows by
`frictionless`."""

import csv
import datetime
import json
import re

from registry.releases.tables import TABLES
from registry.releases.files import ReleaseError, UNTIMED, cell_text


# Frictionless reads every row of a million-claim package in about 50 s of CPU; it checks the
# first rows of each file (its reading of our dialect, types and formats agrees with ours),
# and check_files checks every row by the same Table Schema in one pass of the csv module.
FRICTIONLESS_ROWS = 1000


def validate(work, timings=UNTIMED):
    """Refuse the release unless every file is valid: every row checked here (check_files:
    keys, types, enumerations, required cells), then frictionless on the descriptor and the
    first FRICTIONLESS_ROWS rows of each file. The files still carry their whole Table
    Schema, primaryKey and foreignKeys included, so a reader's `frictionless validate` checks
    every row again."""
    with timings.stage("validate: every row (own check)"):
        errors = check_files(work)
    if errors:
        raise ReleaseError("the package does not validate: " + "; ".join(errors[:10]))
    with timings.stage("validate: first rows (frictionless)"):
        _frictionless(work)


def _frictionless(work):
    from frictionless import Package

    descriptor = json.loads((work / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource["schema"].pop("primaryKey", None)
        resource["schema"].pop("foreignKeys", None)
        resource.pop("hash", None)  # a hash covers the whole file, not the rows read; MANIFEST checks it
    report = Package(descriptor, basepath=str(work)).validate(limit_rows=FRICTIONLESS_ROWS)
    if not report.valid:
        errors = report.flatten(["type", "note"])[:10]
        raise ReleaseError("the package does not validate: " + "; ".join(f"{t}: {n}" for t, n in errors))


def _is_date(text):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# What a cell of each Table Schema type may hold: what cell_text writes, and what frictionless
# and a reader's type parser take (an empty cell is a missing value, checked as required).
_VALID = {
    "integer": re.compile(r"-?\d+").fullmatch,
    "number": re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?").fullmatch,
    "date": _is_date,
    "boolean": {"true", "false"}.__contains__,
    "string": None,
}


def _cell_checks(table, index):
    """(position, column, validity test or None) for each column that needs a look."""
    checks = []
    for column in table.columns:
        valid = _VALID[column.type]
        if column.enum:
            valid = {cell_text(v) for v in column.enum}.__contains__
        if column.required or valid:
            checks.append((index[column.name], column, valid))
    return checks


def check_files(work):
    """Every row of every file read back once (the csv module's C parser: seconds at a million
    rows) and checked by its table's schema: the header, the number of cells, each cell's type,
    enumeration and required-ness; primary keys unique and every foreign key found. Only the
    referenced columns' values are kept; an id primary key is checked by its order (rows are
    written by id). Returns error messages naming file, line, column and value."""
    referenced = {(table, column) for t in TABLES for _c, table, column in t.foreign_keys}
    values, errors = {}, []
    for table in TABLES:
        pending = []  # references to this same table: checked once it is read whole
        kept = {column: set() for name, column in referenced if name == table.name}
        seen, last = set(), None
        with open(work / table.path, encoding="utf-8", newline="") as source:
            reader = csv.reader(source)
            header = next(reader, [])
            if header != [c.name for c in table.columns]:
                errors.append(f"{table.path}: header {header} is not the schema's {[c.name for c in table.columns]}")
                continue
            index = {name: header.index(name) for name in header}
            width, checks = len(header), _cell_checks(table, index)
            key = [index[c] for c in table.primary_key]
            links = [(index[c], t, ref) for c, t, ref in table.foreign_keys]
            try:
                for line, row in enumerate(reader, start=2):
                    if len(errors) >= 10:
                        break
                    if len(row) != width:
                        errors.append(f"{table.path} line {line}: {len(row)} cells, not {width}")
                        continue
                    for position, column, valid in checks:
                        cell = row[position]
                        if cell == "":
                            if column.required:
                                errors.append(f"{table.path} line {line}: {column.name} is empty")
                        elif valid and not valid(cell):
                            allowed = "one of its enumeration" if column.enum else f"a valid {column.type}"
                            errors.append(f"{table.path} line {line}: {column.name} {cell!r} is not {allowed}")
                    if table.primary_key == ["id"]:
                        try:
                            number = int(row[key[0]])
                        except ValueError:
                            errors.append(f"{table.path} line {line}: id {row[key[0]]!r} is not a whole number")
                            continue
                        if last is not None and number <= last:
                            errors.append(f"{table.path} line {line}: id {number} repeated or out of order")
                        last = number
                    else:
                        pk = tuple(row[i] for i in key)
                        if pk in seen:
                            errors.append(f"{table.path} line {line}: primary key {pk} repeated")
                        seen.add(pk)
                    for column, found in kept.items():
                        found.add(row[index[column]])
                    for position, other, ref in links:
                        cell = row[position]
                        if not cell:
                            continue
                        if other == table.name:
                            pending.append((line, header[position], cell, ref))
                        elif cell not in values[(other, ref)]:
                            errors.append(f"{table.path} line {line}: {header[position]} {cell} is not in {other}.csv")
            except UnicodeDecodeError as error:
                errors.append(f"{table.path}: not UTF-8 ({error.reason} at byte {error.start})")
        values.update({(table.name, column): found for column, found in kept.items()})
        for line, column, cell, ref in pending:
            if cell not in values[(table.name, ref)]:
                errors.append(f"{table.path} line {line}: {column} {cell} is not in {table.name}.csv")
        if len(errors) >= 10:
            break
    return errors[:10]
