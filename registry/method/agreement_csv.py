"""A double-coded sample from CSV: `source,published,title,enterprise,activity,code,detail`,
one row per unit the second coder recorded (a row with no enterprise: an article of the
sample in which they recorded nothing). The article is found as the claims import finds it
(source, date, headline), the enterprise by any spelling of its name. Parsed whole before
anything is written; every bad row is named (services.agreement_import)."""

from registry.method.codebook import Activity, Code
from registry.importing.csv_input import csv_rows, sources_by_name
from registry.method.dates import BadDate, parse_partial_date
from registry.importing.rows import ImportFailed
from registry.models import Article, Enterprise
from registry.places.names import name_key

HEADER = ["source", "published", "title", "enterprise", "activity", "code", "detail"]
MAX_ROWS = 5_000  # a round is a few hundred articles at most


def parse_agreement_csv(data):
    """{article: [(enterprise, activity, code, detail), ...]} in file order; raises
    ImportFailed listing every bad row."""
    sources = sources_by_name()
    articles, errors = {}, []
    for line, row in csv_rows(data, HEADER, required=6, optional="detail", max_rows=MAX_ROWS, errors=errors):
        source = sources.get(row["source"].lower())
        if source is None:
            errors.append(f"line {line}: source: no source named {row['source']!r}")
            continue
        try:
            published, _ = parse_partial_date(row["published"])
        except BadDate as bad:
            errors.append(f"line {line}: published: {bad}")
            continue
        article = Article.objects.filter(source=source, published=published, title=row["title"]).first()
        if article is None:
            errors.append(f"line {line}: title: no article {row['title']!r} of {source.short_name} on {row['published']}")
            continue
        units = articles.setdefault(article, [])
        if not row["enterprise"]:
            continue
        enterprise = Enterprise.objects.filter(name_key=name_key(row["enterprise"])).first()
        if enterprise is None:
            errors.append(f"line {line}: enterprise: no enterprise named {row['enterprise']!r}")
        if row["activity"] not in Activity.values:
            errors.append(f"line {line}: activity: {row['activity']!r} is not one of {', '.join(Activity.values)}")
        code = int(row["code"]) if row["code"].isdigit() else None
        if code not in Code.values:
            errors.append(f"line {line}: code: the code is a number from 1 to 5 ({row['code']!r} is not)")
        if enterprise is not None and row["activity"] in Activity.values and code in Code.values:
            units.append((enterprise, row["activity"], code, row.get("detail", "")))
    if errors:
        raise ImportFailed(errors)
    if not articles:
        raise ImportFailed(["the file names no article"])
    return articles
