"""The load test's URL mix (scripts/locustfile.py): distinct URLs built from the API's own
parameter space, in a fixed random order that is their popularity rank (Zipf-like: the k-th
asked in proportion to 1/k). Apart from the locustfile so it can be tested without Locust
(whose gevent patches the standard library on import)."""

import itertools
import random
from urllib.parse import urlencode

SEED = 28

SEARCHES = [
    "steel", "fertilizer", "cement", "coal", "power station", "chorwon", "furnace", "mine", "machine", "textile",
    "제철", "연합기업소", "비료", "탄광", "발전소", "로동", "시멘트", "기계", "청진", "함흥",
]
ACTIVITIES = ["investment", "production", "technology", "construction", "facility", "modernization", "operation"]
GRADES = ["special", "1", "2", "3", "4", "local"]
GROUP_BYS = ["region", "industry", "grade", "tier"]
INTERVALS = ["year", "quarter", "month"]
METRICS = ["articles", "enterprises", "claims"]


def build_mix(places, industries, sources, seed=SEED):
    """The distinct URLs, in a fixed random order (the popularity rank): the same mix for the
    same data and seed."""
    rng = random.Random(seed)
    places = places[:120] or ["Pyongyang", "Chongjin"]
    industries = industries[:30]
    sources = sources[:8]
    urls = set()
    for place in places:
        urls.add("/api/v1/enterprises/?" + urlencode({"place": place}))
        urls.add("/api/v1/claims/?" + urlencode({"place": place, "max_code": rng.choice([2, 3])}))
        urls.add("/api/v1/timeseries/?" + urlencode({"regions": place, "interval": rng.choice(INTERVALS)}))
    for place, grade in itertools.product(places[:40], GRADES):
        urls.add("/api/v1/enterprises/?" + urlencode({"place": place, "grade": grade}))
    for place, activity in itertools.product(places[:40], ACTIVITIES):
        urls.add("/api/v1/claims/?" + urlencode({"place": place, "activity": activity}))
    for industry in industries:
        urls.add("/api/v1/enterprises/?" + urlencode({"industry": industry}))
        urls.add("/api/v1/timeseries/?" + urlencode({"industry": industry, "group_by": "region"}))
    for term in SEARCHES:
        for page in (1, 2):
            urls.add("/api/v1/articles/?" + urlencode({"q": term, "page": page}))
        urls.add("/api/v1/enterprises/?" + urlencode({"q": term}))
    for source in sources:
        for year in range(2005, 2025, 3):
            urls.add("/api/v1/articles/?" + urlencode({"source": source, "published_after": f"{year}-01-01"}))
    for activity, year in itertools.product(ACTIVITIES, range(2000, 2025, 2)):
        urls.add("/api/v1/claims/?" + urlencode({
            "activity": activity, "published_after": f"{year}-01-01", "published_before": f"{year + 1}-12-31",
        }))
    for metric, group_by, interval in itertools.product(METRICS, GROUP_BYS, INTERVALS):
        urls.add("/api/v1/timeseries/?" + urlencode({"metric": metric, "group_by": group_by, "interval": interval}))
    for a, b in zip(places[::2], places[1::2]):
        urls.add("/api/v1/timeseries/?" + urlencode({"regions": f"{a},{b}", "max_code": 3, "interval": "year"}))
        urls.add("/api/v1/timeseries/?" + urlencode({"regions": f"{a},{b}", "per": "all"}))
    for page in range(1, 21):
        urls.add(f"/api/v1/enterprises/?page={page}")
        urls.add(f"/api/v1/claims/?page={page}")
    for place in places[:30]:
        urls.add("/api/v1/claims/?" + urlencode({"format": "csv", "place": place, "max_code": 2}))
        urls.add("/api/v1/enterprises/?" + urlencode({"format": "csv", "place": place}))
    ordered = sorted(urls)
    rng.shuffle(ordered)
    return ordered


