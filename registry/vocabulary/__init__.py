"""The query vocabulary: what each parameter of a question means, defined once.

A researcher asks one kind of question ("claims of codes 1–3 about special-grade
enterprises in Sinpo, 2015–2021") through five doors: the API's lists, /api/v1/timeseries/,
export_timeseries, /compare/ and the admin filters. Every door reads its parameters with the
fields below, so a parameter is parsed, bounded and reported the same way everywhere:

- **One list syntax.** Values are comma-separated, or the parameter is repeated. A place may
  carry its parent after a comma ("Sinpo, South Hamgyong"): two neighbouring values naming one
  place inside the other are read as that place. A semicolon always separates, so
  "Chongjin; North Hamgyong" is two places.
- **One error format.** `{parameter: [message, …]}`; an unknown parameter is an error under
  its own name listing the accepted ones. The API answers it as a 400, the page as a 400,
  the command as `--flag: message`.
- **Bounds.** At most MAX_VALUES values per list parameter (each at most MAX_VALUE_CHARS
  long); `q` at most MAX_Q_CHARS characters and MAX_Q_WORDS words. Series bounds live with
  the series parameters (registry/series/params.py).
- **One claim selector.** A field declared with `claim="…"` is a claim filter: the door
  collects them with Question.claim_selection() and applies them together, through
  select_claims(), so a row matches when one of its claims meets all of them at once.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.method import codebook
from infra import spreadsheets
from registry.method.codebook import Activity, Code, Grade, Tier
from ..models import Disclosure, EnterpriseKind, LocationKind, SourceKind, Status
from .fields import (  # noqa: F401 (the vocabulary's fields, for the doors that declare parameters)
    LIST_HELP, MAX_Q_CHARS, MAX_Q_WORDS, MAX_VALUE_CHARS, MAX_VALUES, ActivityField, CandidatesError,
    AsOfField, ChoiceListField, CodeField, IdListField, IndustryListField, ListField, ListInput, OneOfField,
    PartialDateField, PlaceListField, SearchField, SourceListField, YesNoField, split_values,
)

def _choices_help(text, choices):
    return f"{text} One or more of: {', '.join(str(c) for c in choices)}."


HELP = {
    "place": "Places by any name, spelling or slug (Chongjin, Ch'ŏngjin, 청진, chongjin; "
    "'Sinpo, South Hamgyong' for a name several places share); each includes everything inside it. "
    "An unknown place is a 400 listing candidates.",
    "industry": "Industries by name, slug or two-digit ISIC division (24); each includes its sub-industries.",
    "activity": "Activity groups (investment, technology, production, other) and/or activity slugs ("
    + ", ".join(Activity.values) + ").",
    "max_code": "Reliability codes 1 to N only (1 = established fact … 5 = production claim).",
    "date": "YYYY, YYYY-MM or YYYY-MM-DD.",
    "q": f"Search words (at most {MAX_Q_WORDS} words, {MAX_Q_CHARS} characters).",
}

# Each parameter once: how it is read, what it means. A door picks parameters by name.
PARAMETERS = {
    "activity": lambda: ActivityField(claim="activities", help_text=HELP["activity"]),
    "max_code": lambda: CodeField(claim="max_code", help_text=HELP["max_code"]),
    "code": lambda: ChoiceListField(Code.values, claim="codes", help_text=_choices_help("Reliability codes.", Code.values)),
    "source": lambda: SourceListField(claim="sources", help_text="Sources by short name (KCNA, RS), name or id."),
    "source_kind": lambda: ChoiceListField(SourceKind.values, claim="source_kinds", help_text=_choices_help("Kinds of source.", SourceKind.values)),
    "place": lambda: PlaceListField(claim="places", help_text=HELP["place"]),
    "industry": lambda: IndustryListField(claim="industries", help_text=HELP["industry"]),
    "grade": lambda: ChoiceListField(Grade.values, claim="grades", help_text=_choices_help("Enterprise grades.", Grade.values)),
    "tier": lambda: ChoiceListField(Tier.values, claim="tiers", help_text=_choices_help("Enterprise tiers.", Tier.values)),
    "kind": lambda: ChoiceListField(EnterpriseKind.values, claim="kinds", help_text=_choices_help("Enterprise kinds.", EnterpriseKind.values)),
    "status": lambda: ChoiceListField(Status.values, claim="statuses", help_text=_choices_help("Articles' coding statuses.", Status.values)),
    "disclosure": lambda: ChoiceListField(Disclosure.values, help_text=_choices_help("Disclosure levels (only those you may see).", Disclosure.values)),
    "enterprise": lambda: IdListField(claim="enterprises", help_text="Enterprises (ids)."),
    "parent": lambda: IdListField(claim="parents", help_text="Claims about units of these complexes (ids), as affiliated on the claim's date (or on as_of)."),
    "as_of": lambda: AsOfField(help_text="Count every claim under what its enterprise was on this day (YYYY-MM-DD or today) "
                               "instead of on the claim's own date (the method's rule): grade, tier, place, region, industry, parent."),
    "article": lambda: IdListField(claim="articles", help_text="Articles (ids)."),
    "start": lambda: PartialDateField(claim="start", help_text="Article published on or after. " + HELP["date"]),
    "end": lambda: PartialDateField(end=True, claim="end", help_text="Article published on or before (2019 means to 2019-12-31). " + HELP["date"]),
    "q": lambda: SearchField(help_text=HELP["q"]),
    "location_kind": lambda: ChoiceListField(LocationKind.values, help_text=_choices_help("Kinds of place.", LocationKind.values)),
    # How an answer is downloaded (infra/spreadsheets.py); DRF picks its renderer by `format`.
    "format": lambda: OneOfField(
        ("json", *spreadsheets.FORMATS, "api"), default="json",
        help_text=_("json (default); csv: plain UTF-8, the same columns and rows as the JSON; xlsx: an Excel "
                    "workbook of the same columns and rows (dates as Excel dates shown YYYY-MM-DD); dta: a Stata file "
                    "of the same columns and rows, each variable labelled with its description; api: the browsable page.")),
    "bom": lambda: YesNoField(
        help_text=_("With format=csv, 1 starts the file with a UTF-8 byte-order mark so that Excel opens Hangul "
                    "intact; default: plain UTF-8 (pandas, R).")),
}


def parameter(name, **changes):
    """A fresh field for the named parameter; `changes` may set its help text or claim key."""
    field = PARAMETERS[name]()
    for attribute, value in changes.items():
        setattr(field, attribute, value)
    return field


def unknown_errors(given, accepted):
    """{name: [message]} for each given parameter that is not accepted (a misspelt filter
    must not answer every row)."""
    unknown = sorted(set(given) - set(accepted))
    offer = ", ".join(sorted(accepted)) or "none"
    return {name: [_("unknown parameter; accepted here: %(accepted)s") % {"accepted": offer}] for name in unknown}


def error_candidates(form):
    """{parameter: [candidate place, …]} for the unknown places in a bound form's errors."""
    return {
        name: error.candidates
        for name, errors in form.errors.as_data().items()
        for error in errors
        if isinstance(error, CandidatesError)
    }


def claim_selection(fields, cleaned):
    """{claim key: value} of the claim-filter fields that were given."""
    return {
        field.claim: cleaned[name]
        for name, field in fields.items()
        if getattr(field, "claim", None) and cleaned.get(name) not in (None, [], "")
    }


# Claim keys matching() does not take, and what each selects.
_MORE = {
    "codes": "code__in",
    "kinds": "enterprise__kind__in",
    "sources": "article__source__in",
    "enterprises": "enterprise__in",
    "articles": "article__in",
}


def select_claims(claims, selection, *, dated="article__published", attributes=None):
    """The one claim-filter selector: `claims` (a Claim queryset, already visible_to the
    user) narrowed by a claim selection, every condition on the same claim. `dated`: where
    the article's date is read; `attributes`: what the enterprise was, by default on the
    claim's date (ClaimQuerySet.matching)."""
    s = selection
    claims = claims.matching(
        activities=codebook.expand_activities(s.get("activities") or []),
        max_code=s.get("max_code"), source_kinds=s.get("source_kinds"), grades=s.get("grades"),
        tiers=s.get("tiers"), industries=s.get("industries"), places=s.get("places"), parents=s.get("parents"),
        statuses=s.get("statuses"), start=s.get("start"), end=s.get("end"), dated=dated, attributes=attributes,
    )
    for key, lookup in _MORE.items():
        if s.get(key):
            claims = claims.filter(**{lookup: [int(v) if key == "codes" else v for v in s[key]]})
    return claims


class Question(forms.Form):
    """A door's parameters as one form. `also` names the parameters the door reads itself
    (format, page…): any other parameter not in the form is an error."""

    def __init__(self, data, *, also=()):
        super().__init__(data)
        self.also = tuple(also)

    def accepted(self):
        return [*self.fields, *self.also]

    def problems(self):
        """{parameter: [message, …]}: the unknown ones and the ones that cannot be read."""
        errors = {name: [str(m) for m in messages] for name, messages in self.errors.items()}
        return {**errors, **unknown_errors(self.data, self.accepted())}

    def claim_selection(self):
        return claim_selection(self.fields, self.cleaned_data)

    def as_text(self):
        """The given parameters as text, the way every door takes them back."""
        text = {}
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value not in (None, [], "", False):
                text[name] = field.as_text(value) if hasattr(field, "as_text") else str(value)
        return text


class DownloadQuestion(Question):
    """The two parameters of every door that answers a table: `format` and `bom`."""

    format = parameter("format")
    bom = parameter("bom")

    def clean(self):
        data = super().clean()
        if data.get("bom") and data.get("format") != "csv":
            self.add_error("bom", _("bom=1 applies to format=csv only (an xlsx or JSON answer has no byte-order mark)"))
        return data


DOWNLOAD_PARAMETERS = tuple(DownloadQuestion.base_fields)
DOWNLOAD_FORMATS = spreadsheets.FORMATS


def download_options(params):
    """({"format": …, "bom": …}, {parameter: [message]}) of a request's download parameters;
    every other parameter is left to the door's own question."""
    form = DownloadQuestion({name: params.get(name) for name in DOWNLOAD_PARAMETERS if params.get(name) is not None})
    if not form.is_valid():
        return None, {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return form.cleaned_data, {}
