"""Measure the claim proposals (registry/articles/proposals.py) on a gold set (issue 26).

    python tools/gold.py GOLD.jsonl [--registry CSV ...] [--show]

GOLD.jsonl: one article a line, {"id", "source", "published", "title", "text", "language",
"split": "tune"|"test", "claims": [{"enterprise", "hangul", "place", "activity", ...}]}.
With --registry, a fresh database is filled first (load_reference, then each claims CSV,
less the rows of any gold article's source and date, so a gold article never teaches the
registry its own names); without, the database of DATABASE_URL as it is.

Enterprises are scored per article: a proposal is right if its name (the canonical one, its
Hangul, or the new name) folds to the gold enterprise's English or Hangul name, or the
duplicate guard finds the two alike (90+). Precision = right proposals / proposals; recall
= gold enterprises found / gold enterprises; activity = right activities / found enterprises
(right: one of the gold activities of that enterprise in that article).
"""

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from registry.enterprises.duplicates import fold, similarity  # noqa: E402
from registry.models import Enterprise  # noqa: E402
from registry.places.names import name_key  # noqa: E402
from registry.articles.proposals import Lexicon, propose  # noqa: E402
from registry.services import claims_import  # noqa: E402


def fill(paths, gold):
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    skip = {(g["source"], g["published"]) for g in gold}
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        kept = [row for row in reader if row and (row[0], row[1]) not in skip]
        writer.writerows(kept)
        names = sorted({row[4] for row in kept})
        claims_import(data=out.getvalue(), accept_new=names)


def keys_of(proposal, hangul_of):
    if proposal.enterprise_id is not None:
        return [proposal.enterprise, hangul_of.get(proposal.enterprise_id, "")]
    return [proposal.new_name]


def alike(names, claim):
    for name in names:
        if not name:
            continue
        for gold in (claim["enterprise"], claim.get("hangul") or ""):
            if gold and (fold(name) == fold(gold) or name_key(name) == name_key(gold) or similarity(name, gold) >= 90):
                return True
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gold")
    parser.add_argument("--registry", nargs="*", default=None)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    gold = [json.loads(line) for line in open(args.gold, encoding="utf-8") if line.strip()]
    if args.registry is not None:
        fill(args.registry, gold)
    lexicon = Lexicon()
    hangul_of = dict(Enterprise.objects.exclude(hangul="").values_list("pk", "hangul"))
    totals = {}
    for article in gold:
        proposals = propose(article["title"], article["text"], lexicon)
        claims = {}
        for c in article["claims"]:
            claims.setdefault(c["enterprise"], {**c, "activities": set()})["activities"].add(c["activity"])
        found, right, activity_right = set(), 0, 0
        for p in proposals:
            names = keys_of(p, hangul_of)
            hit = next((g for g, c in claims.items() if g not in found and alike(names, c)), None)
            if hit is not None:
                found.add(hit)
                right += 1
                activity_right += p.activity in claims[hit]["activities"]
                if args.show and p.activity not in claims[hit]["activities"]:
                    print(f"  {article['id']}: activity {p.activity} ({p.evidence.get('activity')}) for {hit!r}, gold {sorted(claims[hit]['activities'])}")
            elif args.show:
                print(f"  {article['id']}: extra {names[0]!r}")
        if args.show:
            for g in claims:
                if g not in found:
                    print(f"  {article['id']}: missed {g!r} / {claims[g].get('hangul')}")
        for split in (article.get("split", "all"), f"{article.get('split', 'all')}/{article.get('language', '?')}", "all"):
            t = totals.setdefault(split, [0, 0, 0, 0, 0])
            t[0] += 1
            t[1] += len(proposals)
            t[2] += right
            t[3] += len(claims)
            t[4] += activity_right
    print("| split | articles | enterprise precision | enterprise recall | activity accuracy |")
    print("|---|---|---|---|---|")
    for split in sorted(totals):
        n, proposed, right, golden, activities = totals[split]
        precision = right / proposed if proposed else 0
        recall = right / golden if golden else 0
        accuracy = activities / right if right else 0
        print(f"| {split} | {n} | {precision:.2f} ({right}/{proposed}) | {recall:.2f} ({right}/{golden}) | {accuracy:.2f} ({activities}/{right}) |")


if __name__ == "__main__":
    main()
