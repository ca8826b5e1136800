"""History pages that read as a coder's record: an article's versions with its claims'
changes beside each save, people and places by name (never "Deleted user (pk=None)"), and
a restore that brings back the claims too (services.article_restore)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from ..models import Article, Claim, Enterprise
from registry.access.visibility import sees_everything

# Bookkeeping that changes on every save and says nothing to a reader.
HIDDEN_FIELDS = {"version", "updated_at", "text_sha256"}
# An article's history shows at most this many claim changes (an article has a handful).
MAX_CLAIM_RECORDS = 1000


def _shown(value, limit=80):
    if value in (None, ""):
        return "—"
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReadableHistoryMixin:
    """For a SimpleHistoryAdmin: field changes with related rows named, and breadcrumbs
    that say "Articles", not "Historical articles"."""

    object_history_form_template = "admin/registry/object_history_form.html"

    def _related_label(self, field, pk, cache, user):
        """A linked row by name; one the user may not see (a restricted follow-up, a hidden
        parent, a deleted row for someone from whom things are hidden) reads as none."""
        if pk is None:
            return "—"
        key = (field.related_model, pk)
        if key not in cache:
            manager = field.related_model._default_manager
            rows = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
            obj = rows.filter(pk=pk).first()
            if obj is None:
                label = f"#{pk} (deleted)" if sees_everything(user) and not manager.filter(pk=pk).exists() else "—"
            elif hasattr(obj, "get_full_name"):
                label = obj.get_full_name() or obj.get_username()
            else:
                label = str(obj)
            cache[key] = label
        return cache[key]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        cache = {}
        # The restricted fields (full text, notes) the user may not see: the helper of the
        # table's history pages (TableAdmin) knows them.
        hidden = HIDDEN_FIELDS | set(getattr(self.get_historical_record_context_helper(request, records[0]), "hidden", ()) if records else ())
        for newer, older in zip(records, records[1:]):
            delta = newer.diff_against(older, foreign_keys_are_objs=False)
            changes = []
            for change in delta.changes:
                if change.field in hidden:
                    continue
                field = self.model._meta.get_field(change.field)
                if isinstance(field, ForeignKey):
                    old, new = (self._related_label(field, v, cache, request.user) for v in (change.old, change.new))
                    if old == new:
                        continue
                else:
                    old, new = _shown(change.old), _shown(change.new)
                changes.append({"field": field.verbose_name, "old": old, "new": new})
            newer.history_delta_changes = changes


class ArticleHistoryMixin(ReadableHistoryMixin):
    """An article's history lists, under each save, the claims that save added, changed or
    removed; restoring a version restores its claims (services.article_restore)."""

    object_history_list_template = "admin/registry/article/object_history_list.html"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        records = list(historical_records)
        if not records:
            return
        article_id = records[0].id
        # Every save of the article, oldest first: a claim change belongs to the latest save
        # at or before it (the admin saves the article, then its claims).
        saves = list(Article.history.filter(id=article_id).order_by("history_date", "history_id").values_list("history_id", "history_date"))
        claim_records = list(
            Claim.history.filter(article_id=article_id).order_by("history_date", "history_id")[:MAX_CLAIM_RECORDS]
        )
        if claim_records and not Article.objects.open_to_coding(request.user).filter(pk=article_id).exists():
            claim_records = []  # the reader is second-coding it blind: its claims do not exist for them
        names = dict(Enterprise.objects.filter(pk__in={c.enterprise_id for c in claim_records}).values_list("pk", "name"))
        by_save, previous = {}, {}
        for record in claim_records:
            owner = saves[0][0]
            for history_id, date in saves:
                if date <= record.history_date:
                    owner = history_id
            what = f"{names.get(record.enterprise_id, f'enterprise #{record.enterprise_id}')} — {record.activity}"
            before = previous.get(record.id)
            if record.history_type == "+":
                text = f"added claim: {what}, code {record.code}" + (f", {_shown(record.detail)}" if record.detail else "")
            elif record.history_type == "-":
                text = f"removed claim: {what}, code {record.code}"
            else:
                diffs = [
                    f"{name} {_shown(getattr(before, name))} → {_shown(getattr(record, name))}"
                    for name in ("enterprise_id", "activity", "code", "detail", "quantity", "unit")
                    if before is not None and getattr(before, name) != getattr(record, name)
                ]
                text = f"changed claim: {what}: " + ("; ".join(diffs).replace("enterprise_id", "enterprise") or "saved unchanged")
            by_save.setdefault(owner, []).append(text)
            previous[record.id] = record
        for record in records:
            record.claim_changes = by_save.get(record.history_id, [])

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """The revert page; its save restores the version's claims as well, in the same
        transaction, through services.article_restore."""
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        from ..services import RestoreConflict, article_restore

        record = get_object_or_404(Article.history, id=object_id, history_id=version_id)
        obj = record.instance
        obj._state.adding = False
        if self.revert_disabled(request, obj) or not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = self.get_form(request, obj)(request.POST, request.FILES, instance=obj)
        if not form.is_valid():
            return super().history_form_view(request, object_id, version_id, extra_context)
        article = self.save_form(request, form, change=True)
        try:
            restored = article_restore(article=article, history_id=record.history_id, user=request.user)
        except RestoreConflict as conflict:
            self.message_user(request, _("Not restored: %(conflict)s") % {"conflict": conflict}, messages.ERROR)
            return super().history_form_view(request, object_id, version_id, extra_context)
        self.log_change(request, article, f"Restored the version of {record.history_date:%Y-%m-%d %H:%M} with {restored} claim change(s)")
        return self.response_change(request, article)
