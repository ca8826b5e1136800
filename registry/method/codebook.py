"""The codebook: what a claim reports and how far it can be trusted.

Kept apart from the models because the admin, the import, the API filters and the time
series all speak it, and a researcher reading the method should find it in one place.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class Activity(models.TextChoices):
    CONSTRUCTION = "construction", _("construction: new enterprise or factory built, completed, opened")
    FACILITY = "facility", _("facility: new or expanded facility or equipment")
    MODERNIZATION = "modernization", _("modernization: renovation, technical upgrade")
    TECHNOLOGY = "technology", _("technology: development, innovation, invention")
    PRODUCTION = "production", _("production: output, plan fulfilment, figures")
    OPERATION = "operation", _("operation: other sign of operating (visit, meeting, staff)")
    CLOSURE = "closure", _("closure: suspension, shutdown, merger, dissolution")


ACTIVITY_GROUPS = {
    "investment": (Activity.CONSTRUCTION, Activity.FACILITY, Activity.MODERNIZATION),
    "technology": (Activity.TECHNOLOGY,),
    "production": (Activity.PRODUCTION,),
    "other": (Activity.OPERATION, Activity.CLOSURE),
}
# What a reader sees for a group (the value stays the machine name in URLs and data).
ACTIVITY_GROUP_LABELS = {
    "investment": pgettext_lazy("activity group", "investment"),
    "technology": pgettext_lazy("activity group", "technology"),
    "production": pgettext_lazy("activity group", "production"),
    "other": pgettext_lazy("activity group", "other"),
}


def activity_group_choices():
    """[(value, label)] of the activity groups, for a page's checkboxes and selects."""
    return [(group, ACTIVITY_GROUP_LABELS[group]) for group in ACTIVITY_GROUPS]


def short_label(label):
    """A choice's label without its explanation: "central (special to 3rd grade)" ->
    "central", "production: output, …" -> "production", in the active language."""
    return str(label).split(" (")[0].split(": ")[0].split(":")[0]


class Code(models.IntegerChoices):
    """Reliability of one claim: the less specific the information, the higher the number."""

    ESTABLISHED = 1, _("1 established fact")
    SPECIFIC = 2, _("2 specific and credible")
    UNSPECIFIC = 3, _("3 unspecific construction")
    TECHNOLOGY = 4, _("4 passing mention of technology")
    PRODUCTION = 5, _("5 production claim")


# What the admin pre-selects for a new claim; the coder's judgement always wins.
SUGGESTED_CODE = {
    Activity.CONSTRUCTION: Code.ESTABLISHED,
    Activity.FACILITY: Code.SPECIFIC,
    Activity.MODERNIZATION: Code.SPECIFIC,
    Activity.TECHNOLOGY: Code.TECHNOLOGY,
    Activity.PRODUCTION: Code.PRODUCTION,
    Activity.OPERATION: Code.UNSPECIFIC,
    Activity.CLOSURE: Code.SPECIFIC,
}


class Grade(models.TextChoices):
    SPECIAL = "special", _("special (complexes, general enterprises)")
    FIRST = "1", _("1st grade")
    SECOND = "2", _("2nd grade")
    THIRD = "3", _("3rd grade")
    FOURTH = "4", _("4th grade")
    FIFTH = "5", _("5th grade")
    SIXTH = "6", _("6th grade")
    SEVENTH = "7", _("7th grade")
    LOCAL = "local", _("local industrial factory")
    UNKNOWN = "unknown", _("unknown")


class Tier(models.TextChoices):
    CENTRAL = "central", _("central (special to 3rd grade)")
    LOCAL = "local", _("local (4th to 7th grade, local industry)")
    UNKNOWN = "unknown", _("unknown")


TIER_GRADES = {
    Tier.CENTRAL: (Grade.SPECIAL, Grade.FIRST, Grade.SECOND, Grade.THIRD),
    Tier.LOCAL: (Grade.FOURTH, Grade.FIFTH, Grade.SIXTH, Grade.SEVENTH, Grade.LOCAL),
    Tier.UNKNOWN: (Grade.UNKNOWN,),
}


class UnknownActivity(ValueError):
    pass


def expand_activities(names):
    """Turn a list of group names and activity slugs, mixed, into a set of activity slugs.

    >>> sorted(expand_activities(["investment", "production"]))
    ['construction', 'facility', 'modernization', 'production']
    """
    activities = set()
    for name in names:
        name = name.strip().lower()
        if not name:
            continue
        if name in ACTIVITY_GROUPS:
            activities.update(str(a) for a in ACTIVITY_GROUPS[name])
        elif name in Activity.values:
            activities.add(name)
        else:
            known = ", ".join([*ACTIVITY_GROUPS, *Activity.values])
            raise UnknownActivity(f"unknown activity or group {name!r}; use one of: {known}")
    return activities


# Bump whenever a definition above changes meaning (a code, an activity, a group, a grade or
# tier, a reliability letter): a release records the version its data was coded under, and
# every time-series answer names it. tests/test_releases.py pins the definitions' fingerprint
# to this number, so a changed definition without a new version fails the suite.
CODEBOOK_VERSION = "1"


def codebook_rows():
    """The codebook as data: (scheme, value, label, definition, member_of), one row per code,
    in the active language (the method page); a release's codebook is written in English
    (codebook_rows_english), whatever language the request that made it spoke.

    Schemes: activity, activity_group, code, grade, tier, source_reliability."""
    group_of = {str(a): group for group, members in ACTIVITY_GROUPS.items() for a in members}
    tier_of = {str(g): str(tier) for tier, grades in TIER_GRADES.items() for g in grades}
    for value, label in Activity.choices:
        yield "activity", value, value, _after(label, ": "), group_of[value]
    for group, members in ACTIVITY_GROUPS.items():
        yield "activity_group", group, group, _("activities: %(members)s") % {"members": ", ".join(str(a) for a in members)}, ""
    for value, label in Code.choices:
        yield "code", str(value), str(label), _after(label, " "), ""
    for value, label in Grade.choices:
        yield "grade", value, str(label), str(label), tier_of[value]
    for value, label in Tier.choices:
        yield "tier", value, str(label), str(label), ""
    for value, label in Reliability.choices:
        yield "source_reliability", value, str(label), _after(label, " "), ""


def codebook_rows_english():
    """codebook_rows in English: the codebook as a release stores it (data, not interface)."""
    with translation.override("en"):
        return list(codebook_rows())


def _after(label, separator):
    """A label's definition: what follows "construction: " or "1 " (a translation keeps the
    separator; if one does not, the whole label)."""
    label = str(label)
    return label.split(separator, 1)[1] if separator in label else label


# The models' other enumerations. Every one is a CheckConstraint as well as a choice
# (choice_check): choices alone do not stop `.update()`, `bulk_create` or raw SQL.


def choice_check(field, choices, name):
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class LocationKind(models.TextChoices):
    PROVINCE = "province", _("province (do)")
    DIRECTLY_GOVERNED_CITY = "directly_governed_city", _("directly governed city (jikhalsi)")
    SPECIAL_CITY = "special_city", _("special city (tukbyolsi)")
    CITY = "city", _("city (si)")
    COUNTY = "county", _("county (gun)")
    DISTRICT = "district", _("district (guyok, gu)")
    WORKERS_DISTRICT = "workers_district", _("workers' district (jigu)")


class EnterpriseKind(models.TextChoices):
    COMPLEX = "complex", _("complex (ryonhap kiopso)")
    GENERAL = "general", _("general enterprise (chonghap kiopso)")
    FACTORY = "factory", _("factory")
    MINE = "mine", _("mine")
    POWER_STATION = "power_station", _("power station")
    SHIPYARD = "shipyard", _("shipyard")
    OTHER = "other", _("other")


class Integration(models.TextChoices):
    NONE = "", "—"
    VERTICAL = "vertical", _("vertical")
    HORIZONTAL = "horizontal", _("horizontal")


class SourceKind(models.TextChoices):
    STATE_MEDIA = "state_media", _("official state media")
    INSIDER = "insider", _("insider network")
    FOREIGN_ANALYSIS = "foreign_analysis", _("foreign analysis")
    FOREIGN_GOVERNMENT = "foreign_government", _("foreign government")
    ACADEMIC = "academic", _("academic")


class Reliability(models.TextChoices):
    # The Admiralty scale, judged for the publication, apart from each claim's code.
    A = "A", _("A completely reliable")
    B = "B", _("B usually reliable")
    C = "C", _("C fairly reliable")
    D = "D", _("D not usually reliable")
    E = "E", _("E unreliable")
    F = "F", _("F reliability cannot be judged")


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Disclosure(models.TextChoices):
    PUBLIC = "public", _("public")
    RESTRICTED = "restricted", _("restricted")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    CODED = "coded", _("coded")
    REVIEWED = "reviewed", _("reviewed")


# What each code looks like in the sources, for the method page (not part of the definitions).
CODE_EXAMPLES = {
    1: _("“The Kim Chaek Iron and Steel Complex completed an oxygen furnace on 10 May” with a photograph of the opening."),
    2: _("“A new production line was set up at the Chongjin Bag Factory” naming the line and its capacity."),
    3: _("“Construction is progressing briskly at factories in North Hamgyong” with no enterprise or date specified."),
    4: _("“Workers of the plant introduced new technology” in passing, with nothing said of what it was."),
    5: _("“The factory overfulfilled its yearly plan by 120 per cent”: a production claim, the least checkable."),
}


# The words that signal each activity in an article, English and Korean (the proposals,
# registry/articles/proposals.py, read the sentence naming an enterprise for them). English entries
# are word beginnings ("moderniz" finds modernized, modernization); Korean ones are found
# anywhere in a word, in the North's spelling (the text is folded with hangul.fold first,
# so 로동/노동 spellings meet). Where several activities' words are found, the first of
# ACTIVITY_PRIORITY wins: a completed factory is construction even if it also produces.
ACTIVITY_WORDS = {
    Activity.CONSTRUCTION: (
        "built", "construct", "complet", "inaugurat", "open", "ceremony", "new factory", "new factories",
        "founded", "went into operation", "put into operation",
        "건설", "준공", "완공", "착공", "조업식", "일떠", "새로 세운", "개업", "준공식",
    ),
    Activity.FACILITY: (
        "production line", "install", "capacity", "expan", "new workshop", "new shop", "set up",
        "facilit", "furnace", "kiln", "생산공정을 새로", "생산라인", "설비를 새로", "확장", "꾸리", "증설", "직장을 새로",
    ),
    Activity.MODERNIZATION: (
        "moderniz", "modernis", "renovat", "upgrad", "remodel", "reconstruct", "refurbish", "cnc",
        "현대화", "개건", "개조", "갱신", "cnc화",
    ),
    Activity.TECHNOLOGY: (
        "technolog", "innovat", "develop", "invent", "automat", "gasification", "trial", "test", "research",
        "기술", "개발", "창안", "자동화", "시험", "연구", "가스화", "새 제품", "새로운 제품",
    ),
    Activity.PRODUCTION: (
        "output", "produc", "fulfil", "overfulfil", "tons", "percent", "increas", "turned out", "supplied",
        "ship", "yield", "quota", "caught", "catch", "haul", "tonnes",
        "생산", "넘쳐", "증산", "수행", "초과", "늘이", "늘여", "캐냈", "어획", "잡고", "실어", "물고기잡이", "성과",
    ),
    Activity.OPERATION: (
        "visit", "meeting", "inspect", "guidance", "rally", "toured", "looked round", "workers", "employees",
        "현지지도", "방문", "돌아보", "회의", "모임", "찾으시", "료해", "궐기",
    ),
    Activity.CLOSURE: (
        "closed", "suspend", "shut", "merged", "dissolv", "halt", "폐쇄", "중단", "통합", "멈추",
    ),
}
ACTIVITY_PRIORITY = (
    Activity.CONSTRUCTION, Activity.MODERNIZATION, Activity.FACILITY, Activity.TECHNOLOGY,
    Activity.PRODUCTION, Activity.CLOSURE, Activity.OPERATION,
)
