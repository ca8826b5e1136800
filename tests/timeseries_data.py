"""A small, hand-countable world for the time-series tests (service, command, API, page).

Three enterprises on reference places:
  S  Sadong Machine Factory   Sadong district, Pyongyang   grade 3 (central)   Machinery (Machine building)
  C  Chongjin Steel Works     Chongjin, North Hamgyong     special (central)   Iron and steel (Metal)
  H  Hamgyong Coal Mine       North Hamgyong (province)    local (local)       Coal mining (Mining)

Articles and their claims (activity code):
  a1 KCNA 2015-03-10 day    coded       S construction 1; C production 5
  a2 KCNA 2015-08    month  coded       C facility 2
  a3 KCNA 2016       year   coded       S production 3; H production 3
  a4 KCNA 2018-11-20 day    coded       C modernization 3; H operation 2
  a5 KCNA 2018-05-02 day    coded       S facility 2          (restricted)
  a6 DNK  2018-06-15 day    reviewed    C production 4        (insider source)
  a7 KCNA 2018-07-01 day    draft       C production 1        (a draft: counted for nobody but
                                                              its coder, reviewers and admins)
"""

import datetime

from registry.models import Article, Claim, Enterprise, Industry, Location, Source


def build():
    place = {slug: Location.objects.get(slug=slug) for slug in ("sadong", "chongjin", "north-hamgyong")}
    industry = {slug: Industry.objects.get(slug=slug) for slug in ("machinery", "iron-and-steel", "coal-mining")}
    kcna, dnk = Source.objects.get(short_name="KCNA"), Source.objects.get(short_name="DNK")
    s = Enterprise.objects.create(name="Sadong Machine Factory", grade="3", location=place["sadong"], industry=industry["machinery"])
    c = Enterprise.objects.create(name="Chongjin Steel Works", grade="special", location=place["chongjin"], industry=industry["iron-and-steel"])
    h = Enterprise.objects.create(name="Hamgyong Coal Mine", grade="local", location=place["north-hamgyong"], industry=industry["coal-mining"])

    def article(source, date, precision, title, **extra):
        return Article.objects.create(
            source=source, published=datetime.date.fromisoformat(date), precision=precision,
            title=title, summary=f"Summary of {title}.", full_text=f"Full text of {title}.",
            status=extra.pop("status", "coded"), **extra,
        )

    a1 = article(kcna, "2015-03-10", "day", "Machine factory built")
    a2 = article(kcna, "2015-08-01", "month", "New converter at the steel works")
    a3 = article(kcna, "2016-01-01", "year", "Yearbook of output")
    a4 = article(kcna, "2018-11-20", "day", "Steel works renovated")
    a5 = article(kcna, "2018-05-02", "day", "Secret new line", disclosure="restricted")
    a6 = article(dnk, "2018-06-15", "day", "Insiders report steel output", status="reviewed")
    a7 = article(kcna, "2018-07-01", "day", "Unfinished coding", status="draft")
    for art, ent, activity, code in [
        (a1, s, "construction", 1), (a1, c, "production", 5),
        (a2, c, "facility", 2),
        (a3, s, "production", 3), (a3, h, "production", 3),
        (a4, c, "modernization", 3), (a4, h, "operation", 2),
        (a5, s, "facility", 2),
        (a6, c, "production", 4),
        (a7, c, "production", 1),
    ]:
        Claim.objects.create(article=art, enterprise=ent, activity=activity, code=code, detail=f"{activity} at {ent.name}")
    return {"S": s, "C": c, "H": h, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6, "a7": a7}
