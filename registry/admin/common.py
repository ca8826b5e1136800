"""What every big change list of the registry shares: no full COUNT on PostgreSQL's huge
tables, and list filters that speak the query vocabulary (registry/vocabulary.py)."""

import dataclasses

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.text import capfirst
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from infra import locking
from registry import services, vocabulary
from ..models import Article, AttributePeriod, Claim, Location
from infra.paging import CappedCountPaginator
from registry.access.permissions import admin_requirement, satisfied
from registry.access.visibility import RESTRICTED_FIELDS, can_see_restricted, inside_places, sees_everything

# Below this many rows an exact COUNT is cheap enough and the page numbers stay exact.
ESTIMATE_ABOVE = 100_000


def estimated_count(qs):
    """On PostgreSQL, an unfiltered list's total from the planner's statistics
    (pg_class.reltuples, kept fresh by autovacuum) rather than a COUNT(*) that reads 500k
    rows on every page view; an exact COUNT below ESTIMATE_ABOVE rows, in the same one
    statement. None for a filtered list or on SQLite: count those."""
    query = getattr(qs, "query", None)
    connection = connections[qs.db] if query is not None else None
    if connection is None or connection.vendor != "postgresql" or query.where:
        return None
    table = qs.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN c.reltuples > %s THEN c.reltuples::bigint"
            f" ELSE (SELECT count(*) FROM {connection.ops.quote_name(table)}) END"
            " FROM pg_class c WHERE c.oid = %s::regclass",
            [ESTIMATE_ABOVE, table],
        )
        return cursor.fetchone()[0]


class AtLeast(int):
    """A count that stopped at its cap: compared and paged as the number, shown as "1,000+"
    wherever the admin's templates print the count (the paginator's line, the search box's
    "n results"): they render an int through number_format, which hands back an object with
    __html__ as it is."""

    def __str__(self):
        return f"{int(self):,}+"

    def __html__(self):
        return str(self)


class ChangeListPaginator(CappedCountPaginator):
    """The admin's change lists: an unfiltered big table's estimate (estimated_count), and a
    filtered or searched list counted up to the API's caps (infra/paging.py: 10,000 rows,
    1,000 search matches), shown as "1,000+" beyond. An exact COUNT read every match of a
    search (210 ms for "oxygen furnace" at 500k articles, its 16,500 matches) on each view."""

    @cached_property
    def _estimate(self):
        return estimated_count(self.object_list)

    @cached_property
    def count(self):
        if self._estimate is not None:
            return self._estimate
        counted = super().count
        return counted if self.count_exact else AtLeast(counted)

    @property
    def count_exact(self):
        return self._estimate is not None or super().count_exact


class FastChangeList:
    """Mixin for ModelAdmins over tables that grow large."""

    paginator = ChangeListPaginator

    class Media:
        # Lists that fit a 1,366 px screen (static/registry/workbench.css).
        css = {"all": ["registry/workbench.css"]}
    # The "(n total)" next to a filtered count costs a second COUNT over the whole table.
    show_full_result_count = False
    list_per_page = 50


class VocabularyFilter(admin.SimpleListFilter):
    """An admin filter whose value is read by the query vocabulary's parameter `vocab` (a
    place or industry in any spelling, as on the API) and applied by `apply`; a value it
    cannot read is the admin's "invalid lookup" page, not an empty list."""

    vocab = None

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            values = vocabulary.parameter(self.vocab).clean(self.value())
        except ValidationError as error:
            raise IncorrectLookupParameters(error) from None
        return self.apply(queryset, values)


class RegionFilter(VocabularyFilter):
    """First-level region (province or directly governed city): everything inside it.
    Subclasses name the relation that holds the place (`via`)."""

    title = "region"
    parameter_name = "region"
    vocab = "place"
    via = "location__"

    def lookups(self, request, model_admin):
        return list(Location.objects.filter(level=1).order_by("name").values_list("slug", "name"))

    def apply(self, queryset, places):
        return queryset.filter(inside_places(places, self.via))


class ConstraintSentences:
    """A ModelForm mixin: a unique constraint's refusal (Django's `Constraint "…" is
    violated.`) said as a sentence naming the fields and the record already holding them,
    with a link to it. The existing record is named only if the user may see it."""

    user = None

    def _post_clean(self):
        super()._post_clean()
        general = self._errors.get(forms.forms.NON_FIELD_ERRORS) if self._errors else None
        if not general:
            return
        model = type(self.instance)
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint) or not constraint.fields:
                continue
            generic = str(constraint.get_violation_error_message())
            messages = list(general)
            if generic in messages:
                sentence = constraint_sentence(self.instance, constraint, self.user)
                general = self._errors[forms.forms.NON_FIELD_ERRORS] = self.error_class(
                    [sentence if m == generic else m for m in messages], error_class="nonfield", renderer=self.renderer)


def constraint_sentence(instance, constraint, user=None):
    """ "An article with this headline, source and date is already recorded: <link>." """
    from django.urls import NoReverseMatch, reverse
    from django.utils.html import format_html
    from django.utils.text import capfirst, get_text_list
    from django.utils.translation import gettext as _

    model = type(instance)
    opts = model._meta
    fields = [opts.get_field(name) for name in constraint.fields]
    values = {field.name: getattr(instance, field.attname) for field in fields}
    others = model._default_manager.filter(**{field.attname: value for field, value in zip(fields, values.values())})
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    if user is not None and hasattr(others, "visible_to"):
        others = others.visible_to(user)
    existing = others.first()
    names = get_text_list([str(field.verbose_name) for field in fields], _("and"))
    if existing is None:
        return _("Another %(model)s already has this %(fields)s.") % {"model": opts.verbose_name, "fields": names}
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[existing.pk])
    except NoReverseMatch:
        url = ""
    return format_html(
        _('{} <a href="{}">{}</a> (#{}) already has this {}: change it here, or open that one.'),
        capfirst(opts.verbose_name), url, str(existing), existing.pk, names,
    )


class VersionedForm(ConstraintSentences, forms.ModelForm):
    """A change form that carries the version the coder opened (see infra/locking.py) and
    refuses to save over a newer one, keeping what the coder typed on the page."""

    # Not named `version`: the admin refuses a non-editable model field in its fieldsets.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            version = self.instance.version
            if hasattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME):
                # simple-history's revert page: the instance is an old version rebuilt from its
                # history row; saving it replaces the version stored now.
                version = locking.stored_version(type(self.instance), self.instance.pk)
            self.fields["opened_version"].initial = version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            expected = cleaned.get("opened_version")
            try:
                # Inside the admin's transaction: on PostgreSQL this locks the row until the save.
                locking.check(self.instance, expected)
            except locking.VersionConflict as conflict:
                raise forms.ValidationError(str(conflict), code="stale") from None
            self.instance.version = expected
        return cleaned


class VersionedAdmin:
    """Mixin for the ModelAdmins of versioned models (their form a VersionedForm,
    `opened_version` in a fieldset)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except locking.VersionConflict:
            # Lost a race between validation and save (possible on SQLite, where the check
            # cannot lock the row). Nothing was written; run the view again: its validation
            # now sees the newer version and shows the form, with the coder's input, and why.
            return super().changeform_view(request, object_id, form_url, extra_context)


def _may(request, model, action):
    return satisfied(request.user, admin_requirement(model._meta.label_lower, action))


def _visible(model, request, queryset):
    """The one visibility rule, for every model that has it (all of the registry's)."""
    return queryset.visible_to(request.user) if hasattr(queryset, "visible_to") else queryset


class TableInline:
    """Inlines: permissions from the permission table, rows and choices through visible_to."""

    def has_view_permission(self, request, obj=None):
        return _may(request, self.model, "view") or self.has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return _may(request, self.model, "add")

    def has_change_permission(self, request, obj=None):
        return _may(request, self.model, "change")

    def has_delete_permission(self, request, obj=None):
        return _may(request, self.model, "delete")

    def get_queryset(self, request):
        return _visible(self.model, request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", _visible(db_field.related_model, request, db_field.related_model._default_manager.all()))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        """A table's fields have no <label>, only their column's header: each is named by it
        (aria-label, in the page's language), so a screen reader says which column a field is
        in. The enterprise autocomplete's select2 box reads it from its <select>
        (static/registry/autocomplete_names.js)."""
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (ColumnNamed, formset), {})


class ColumnNamed:
    def add_fields(self, form, index):
        super().add_fields(form, index)  # the formset's own fields too (the delete box)
        for field in form.fields.values():
            widget = getattr(field.widget, "widget", field.widget)  # inside RelatedFieldWidgetWrapper
            if not widget.is_hidden and field.label:
                widget.attrs.setdefault("aria-label", capfirst(field.label))


class RestrictedHistory(HistoricalRecordContextHelper):
    """A history page's changes without the restricted fields (full text, notes), and a link
    to a row the user may not see (a restricted follow-up, a hidden parent) shown as none."""

    hidden = ()
    user = None

    def _unseen_as_none(self, value):
        if isinstance(value, DeletedObject):
            # A row gone since: shown only to those from whom nothing is hidden.
            return value if value.pk is not None and sees_everything(self.user) else None
        manager = type(value)._default_manager if isinstance(value, models.Model) else None
        if manager is not None and hasattr(manager, "visible_to") and not manager.visible_to(self.user).filter(pk=value.pk).exists():
            return None
        return value

    def context_for_delta_changes(self, delta):
        changes = []
        for change in delta.changes:
            if change.field in self.hidden:
                continue
            old, new = self._unseen_as_none(change.old), self._unseen_as_none(change.new)
            if old != new:
                changes.append(dataclasses.replace(change, old=old, new=new))
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=changes))


class TableAdmin(TableInline):
    """What every ModelAdmin of the registry shares: permissions from the permission table;
    change lists, forms, autocomplete, inlines and history pages through visible_to (what a
    user may not see is the same "does not exist" as a missing id); every save and delete
    through registry/services/__init__.py."""

    # Links that may point at a row the user may not see (Article.follow_up_of,
    # Enterprise.parent). Where they might, or where the user only reads, the form shows
    # `shown_<field>` instead: the linked row if the user may see it, else nothing - exactly
    # what the page would show had the hidden row never existed. The field itself stays
    # out of the form then, so a save keeps the link.
    links = ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        swap = set()
        for field in self.links if obj is not None else ():
            linked = getattr(obj, f"{field}_id", None)
            model = self.model._meta.get_field(field).related_model
            shown = model.objects.visible_to(request.user).filter(pk=linked).first() if linked else None
            setattr(obj, f"_shown_{field}", shown)
            if (linked and shown is None) or not self.has_change_permission(request, obj):
                swap.add(field)
        if not swap:
            return fieldsets
        return [
            (name, {**options, "fields": [f"shown_{f}" if f in swap else f for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(f"shown_{field}" for field in self.links)]

    def save_model(self, request, obj, form, change):
        services.record_save(instance=obj, user=request.user)

    def delete_model(self, request, obj):
        services.record_delete(instance=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.record_delete(instance=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        on_article = isinstance(form.instance, Article)  # its save moved the article on already
        for obj in formset.save(commit=False):
            if isinstance(obj, Claim):
                services.claim_save(claim=obj, user=request.user, with_article=on_article)
            elif isinstance(obj, AttributePeriod):
                services.history_save(period=obj, user=request.user)
            else:
                services.record_save(instance=obj, user=request.user)
        for obj in formset.deleted_objects:
            if isinstance(obj, Claim):
                services.claim_delete(claim=obj, user=request.user, with_article=on_article)
            elif isinstance(obj, AttributePeriod):
                services.history_delete(period=obj, user=request.user)
            else:
                services.record_delete(instance=obj, user=request.user)
        formset.save_m2m()

    def _visible_or_404(self, request, object_id):
        if self.get_queryset(request).filter(pk=object_id).exists():
            return
        # A deleted record's history: only for those from whom nothing is hidden.
        if sees_everything(request.user) and self.model.history.filter(**{self.model._meta.pk.attname: object_id}).exists():
            return
        raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        # simple-history saves a POST here (a revert) for anyone who may view the history.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        helper = RestrictedHistory(self.model, historical_record)
        helper.user = request.user
        if not can_see_restricted(request.user):
            helper.hidden = RESTRICTED_FIELDS.get(self.model._meta.label_lower, ())
        return helper
