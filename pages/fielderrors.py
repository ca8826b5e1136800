"""A page form's errors in the reader's words: each parameter named by its visible label
(not `seen_after:`), listed above the form that keeps what was given, each linked to its
field, which carries aria-invalid and aria-describedby (templates/includes/form_errors.html)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "regions": _("Places"), "group_by": _("or group by"), "metric": _("Metric"), "measure": _("Measure"),
    "per": _("as a share of all articles"), "activity": _("Activity"), "interval": _("Interval"),
    "start": _("From"), "end": _("to"), "start2": _("against"), "end2": _("to"), "max_code": _("Codes"),
    "bands": _("bands ≤1 … ≤5"), "code": _("only codes"), "industry": _("Industry"), "grade": _("Grade"),
    "source_kind": _("Sources"), "q": _("Name, any spelling or Hangul"), "place": _("Place"), "kind": _("Kind"),
    "tier": _("Tier"), "seen_after": _("Seen from"), "seen_before": _("to"), "ordering": _("Sort"),
    "format": _("format"), "bom": _("format"),
}


def labelled(errors):
    """[(parameter, label, [message])] of {parameter: [message]}."""
    return [(name, LABELS.get(name, name), [str(m) for m in messages]) for name, messages in errors.items()]
