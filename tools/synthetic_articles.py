"""Write N synthetic articles as JSON Lines (for the ingest benchmark, BENCHMARKS.md):
python tools/synthetic_articles.py 10000 > /tmp/articles.jsonl"""

import datetime
import json
import random
import sys

PLACES = ["Chongjin", "Hamhung", "Pyongyang", "Nampho", "Sinuiju", "Kimchaek", "Wonsan", "Haeju", "Kanggye", "Hyesan"]
KINDS = ["Textile Mill", "Machine Factory", "Foodstuff Factory", "Shoe Factory", "Cement Complex", "Power Station"]
VERBS = ["raises output", "completes modernization", "builds new workshop", "overfulfils plan", "introduces CNC"]


def main(n, seed=26):
    rng = random.Random(seed)
    start = datetime.date(2005, 1, 1)
    for i in range(n):
        day = start + datetime.timedelta(days=rng.randrange(7300))
        name = f"{rng.choice(PLACES)} {rng.choice(KINDS)}"
        title = f"{name} {rng.choice(VERBS)} ({i})"
        text = f"{name} in {day:%B %Y}: workers {rng.choice(VERBS)}. Report number {i}. " * 8
        source = "KCNA" if i % 3 else "Rodong Sinmun"
        print(json.dumps({"source": source, "published": day.isoformat(), "title": title, "text": text, "url": f"http://example.invalid/{i}"}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
