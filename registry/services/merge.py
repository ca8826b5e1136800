"""Merging two enterprises that are one: claims, aliases, attribute periods and children
moved onto the one kept, or nothing changed when they conflict."""

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from infra import locking
from registry.articles import search
from registry.models import AttributePeriod, Claim, Enterprise, EnterpriseAlias
from registry.places.names import name_key
from registry.services.history import history_check
from registry.services.records import claims_changed, name_change


class MergeConflict(Exception):
    """Both enterprises carry a claim on the same article and activity, coded differently.
    `conflicts` lists (kept claim, absorbed claim) pairs; nothing was changed."""

    def __init__(self, conflicts):
        self.conflicts = conflicts
        lines = [
            f"{kept.article}: {kept.activity} coded {kept.code} ({kept.detail!r}) against {absorbed.code} ({absorbed.detail!r})"
            for kept, absorbed in conflicts
        ]
        super().__init__("conflicting claims; reconcile them first: " + "; ".join(lines))


class PeriodMergeConflict(MergeConflict):
    """An absorbed enterprise's attribute period overlaps one of the kept enterprise's:
    which holds is a coder's judgement. Nothing was changed."""

    def __init__(self, message):
        self.conflicts = []
        Exception.__init__(self, message)


def _merge_periods(keep, absorb, user, reason):
    """A merge's attribute periods (registry/models/history.py): the absorbed enterprise's
    go to `keep` (refused, PeriodMergeConflict, where one overlaps a period of `keep`), and
    periods naming it as the parent complex name `keep`; a period of `keep` naming the
    absorbed one as its own parent would make it its own parent, and goes."""
    for period in AttributePeriod.objects.filter(parent=absorb).exclude(enterprise__in=[keep, absorb]):
        period.parent = keep
        name_change(period, user, reason)
        period.save()
    for period in AttributePeriod.objects.filter(parent=absorb, enterprise=keep):
        name_change(period, user, reason)
        period.delete()
    for period in AttributePeriod.objects.filter(enterprise=absorb).select_related("location", "parent", "industry"):
        period.enterprise = keep
        if period.parent_id in (keep.pk, absorb.pk):
            name_change(period, user, reason)
            period.delete()
            continue
        try:
            history_check(period)
        except ValidationError as error:
            raise PeriodMergeConflict("; ".join(m for messages in error.message_dict.values() for m in messages)) from None
        name_change(period, user, reason)
        period.save()


def claim_content(claim):
    return (claim.code, claim.detail, claim.quantity, claim.unit)


@transaction.atomic
def enterprise_merge(*, keep, absorb, user=None):
    """Merge `absorb` into `keep`: its claims, aliases and affiliated units move over, its
    names become aliases, blank fields of `keep` are filled from it, and it is deleted.

    Nothing is lost. The one collision the schema forbids is two claims of one article on one
    activity (registry_claim_one_per_activity): if they are coded alike, the absorbed one is a
    duplicate and is dropped (its history row keeps it); if they differ, the merge refuses
    with MergeConflict, because picking one code over the other is a coder's judgement.
    Every row written gets a history record naming the user and the merge."""
    if keep.pk == absorb.pk:
        raise ValueError("an enterprise cannot be merged into itself")
    keep = Enterprise.objects.select_for_update().get(pk=keep.pk)
    absorb = Enterprise.objects.select_for_update().get(pk=absorb.pk)
    reason = f"merge: {absorb.name} (#{absorb.pk}) into {keep.name} (#{keep.pk})"

    kept_claims = {(c.article_id, c.activity): c for c in Claim.objects.filter(enterprise=keep).select_related("article__source")}
    moving, duplicates, conflicts = [], [], []
    for claim in Claim.objects.filter(enterprise=absorb).select_related("article__source"):
        twin = kept_claims.get((claim.article_id, claim.activity))
        if twin is None:
            moving.append(claim)
        elif claim_content(twin) == claim_content(claim):
            duplicates.append(claim)
        else:
            conflicts.append((twin, claim))
    if conflicts:
        raise MergeConflict(conflicts)

    for claim in duplicates:
        claim._change_reason, claim._history_user = reason + " (duplicate claim)", user
        claim.delete()
    for claim in moving:
        claim.enterprise = keep
    # Their stored copies and both enterprises' evidence follow by the triggers (copies.py).
    bulk_update_with_history(moving, Claim, ["enterprise"], default_user=user, default_change_reason=reason)
    # Their articles now name another enterprise: a coder holding one open must reload it.
    claims_changed({claim.article_id for claim in moving + duplicates}, user)

    # Fill what `keep` does not know from what `absorb` did; never overwrite.
    blank = {"hangul": "", "grade": "unknown", "kind": "other", "integration": "", "location_id": None,
             "industry_id": None, "products": "", "ministry": ""}
    for field, empty in blank.items():
        if getattr(keep, field) == empty and getattr(absorb, field) != empty:
            setattr(keep, field, getattr(absorb, field))
    if absorb.notes:
        keep.notes = "\n\n".join(n for n in (keep.notes, f"From {absorb.name} (merged): {absorb.notes}") if n)
    if keep.parent_id == absorb.pk:
        keep.parent_id = absorb.parent_id if absorb.parent_id != keep.pk else None
    keep._change_reason, keep._history_user = reason, user
    keep.save()

    known = {keep.name_key, name_key(keep.hangul)} | set(keep.aliases.values_list("name_key", flat=True))
    aliases = []
    for alias in absorb.aliases.all():
        if alias.name_key in known:
            continue  # the same name already reaches `keep`; it goes with the absorbed row
        known.add(alias.name_key)
        alias.enterprise = keep
        aliases.append(alias)
    bulk_update_with_history(aliases, EnterpriseAlias, ["enterprise"], default_user=user, default_change_reason=reason)
    for name in (absorb.name, absorb.hangul):
        if name and name_key(name) not in known:
            known.add(name_key(name))
            alias = EnterpriseAlias(enterprise=keep, name=name)
            alias._change_reason, alias._history_user = reason, user
            alias.save()

    units = list(absorb.units.exclude(pk=keep.pk))
    for unit in units:
        unit.parent = keep
    bulk_update_with_history(units, Enterprise, ["parent"], default_user=user, default_change_reason=reason)
    locking.touch(Enterprise, [unit.pk for unit in units])

    _merge_periods(keep, absorb, user, reason)

    absorb._change_reason, absorb._history_user = reason, user
    absorb.delete()
    # Its articles now name `keep`, which has gained the absorbed names as aliases.
    search.refresh_enterprise(keep.pk)
    return keep
