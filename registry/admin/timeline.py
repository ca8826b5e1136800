"""An enterprise's attributes in time in the admin: the timeline on its page (one row a period:
attribute, value as typed, from, to, evidence), the periods' own list, and the add form a
claim's "record as history" opens prefilled. Values are read by attribute_values (the import's
reader too); every save goes through services.history_save, which refuses overlaps."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from registry.enterprises.attribute_values import AttributeValueError, resolve_value, value_text
from registry.method.dates import PartialDateField, partial_date_label, period_end
from ..models import AttributePeriod
from .common import TableAdmin, TableInline
from .history import ReadableHistoryMixin

_RELATED = ("location__parent", "parent", "industry", "article__source")


class PeriodForm(forms.ModelForm):
    """One period as a coder types it: the value as text (a grade, a place in any spelling,
    a complex by name...), the ends as partial dates (an end "2019" is 31 December 2019)."""

    value = forms.CharField(
        label=_("value"), max_length=200, required=False,
        help_text=_("A name; a grade (special, 1st grade…); a kind; a place in any spelling; a parent complex's name (or none); an industry"),
    )
    valid_from = PartialDateField(label=_("from"), required=False, help_text=_("2016-10-05, 2016-10 or 2016; blank: open"))
    valid_to = PartialDateField(label=_("to"), required=False, help_text=_("2019 ends on 2019-12-31; blank: open"))

    class Meta:
        model = AttributePeriod
        fields = ["enterprise", "attribute", "value", "valid_from", "valid_to", "article", "source", "note"]
        widgets = {"note": forms.TextInput(attrs={"size": 30}), "source": forms.TextInput(attrs={"size": 24})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        period = self.instance
        self.fields["valid_from"].widget.precision = period.valid_from_precision or "day"
        self.fields["valid_to"].widget.precision = period.valid_to_precision or "day"
        if period.pk is not None:
            self.initial["value"] = value_text(period)

    def clean_valid_from(self):
        parsed = self.cleaned_data.get("valid_from")
        self._from = parsed or (None, "")
        return self._from[0]

    def clean_valid_to(self):
        parsed = self.cleaned_data.get("valid_to")
        if not parsed:
            self._to = (None, "")
        else:
            first, precision = parsed
            self._to = (period_end(partial_date_label(first, precision)), precision)
        return self._to[0]

    def clean(self):
        cleaned = super().clean()
        attribute = cleaned.get("attribute")
        if attribute and "value" not in self.errors:
            try:
                columns = resolve_value(attribute, cleaned.get("value"), enterprise=self.instance.enterprise_id)
            except AttributeValueError as exc:
                self.add_error("value", str(exc))
            else:
                # The value's column (location, parent, industry) is not a form field: set here.
                for column in ("location", "parent", "industry"):
                    setattr(self.instance, column, columns.get(column))
                cleaned["value"] = columns.get("value", "")
        return cleaned

    def _post_clean(self):
        self.instance.valid_from_precision = getattr(self, "_from", (None, ""))[1]
        self.instance.valid_to_precision = getattr(self, "_to", (None, ""))[1]
        super()._post_clean()
        if self.errors:
            return
        try:
            services.history_check(self.instance)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class TimelineFormSet(BaseInlineFormSet):
    """Two rows of one submission may overlap each other: refused here, naming both (each
    row alone was checked against the stored periods by PeriodForm)."""

    def clean(self):
        super().clean()
        rows = [f for f in self.forms if f.is_valid() and (f.has_changed() or f.instance.pk) and not self._should_delete_form(f)]
        for i, first in enumerate(rows):
            for second in rows[i + 1:]:
                a, b = first.instance, second.instance
                if a.attribute != b.attribute or (a.pk and a.pk == b.pk):
                    continue
                if _overlap(a, b):
                    raise ValidationError(_("%(a)s overlaps %(b)s; periods of one attribute may not overlap (leave a gap for unknown).")
                                          % {"a": services.period_description(a), "b": services.period_description(b)})


def _overlap(a, b):
    starts_before_b_ends = a.valid_from is None or b.valid_to is None or a.valid_from <= b.valid_to
    b_starts_before_a_ends = b.valid_from is None or a.valid_to is None or b.valid_from <= a.valid_to
    return starts_before_b_ends and b_starts_before_a_ends


class TimelineInline(TableInline, admin.TabularInline):
    """The enterprise's attributes in time, oldest first by attribute."""

    model = AttributePeriod
    fk_name = "enterprise"
    form = PeriodForm
    formset = TimelineFormSet
    fields = ["attribute", "value", "valid_from", "valid_to", "article", "source", "note"]
    autocomplete_fields = ["article"]
    extra = 1
    verbose_name = _("attribute in time")
    verbose_name_plural = _("timeline: attributes in time (the plain fields above hold today's values)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*_RELATED).order_by("attribute", "valid_from", "pk")


@admin.register(AttributePeriod)
class AttributePeriodAdmin(TableAdmin, ReadableHistoryMixin, SimpleHistoryAdmin):
    """The periods' own list, and the add form a claim's "record as history" opens with the
    enterprise, the article and its date filled in (?enterprise=…&article=…&valid_from=…)."""

    form = PeriodForm
    list_display = ["enterprise", "attribute", "shown_value", "period", "article", "source"]
    list_filter = ["attribute"]
    list_select_related = ["enterprise", *_RELATED]
    autocomplete_fields = ["enterprise", "article"]
    search_fields = ["enterprise__name", "value"]

    @admin.display(description=_("value"))
    def shown_value(self, obj):
        return obj.value_label()

    @admin.display(description=_("period"), ordering="valid_from")
    def period(self, obj):
        return obj.period_label()

    def save_model(self, request, obj, form, change):
        services.history_save(period=obj, user=request.user)

    def delete_model(self, request, obj):
        services.history_delete(period=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.history_delete(period=obj, user=request.user)
