"""Roles of the team, as auth Groups, and the coding workflow draft → coded → reviewed.

`ensure_roles()` is idempotent: the migration that introduced the roles runs it, and
`manage.py setup_roles` (run by `make setup`) brings the groups back in line with ROLES after
they are edited here or by hand in the admin.
"""

from registry.models import Status
from registry.access.permissions import admin_requirement, satisfied

_READ = [
    f"view_{model}"
    for model in ("article", "claim", "enterprise", "enterprisealias", "location", "locationname", "industry", "source", "coverage", "story", "storymember", "agreementround", "attributeperiod")
]
_CODE = [
    "add_article", "change_article",
    "add_claim", "change_claim", "delete_claim",  # a wrong claim is removed from its article
    "add_enterprise", "change_enterprise",
    "add_attributeperiod", "change_attributeperiod",  # an enterprise's timeline, like the enterprise
    "add_enterprisealias", "change_enterprisealias", "delete_enterprisealias",
    "view_restricted",  # coders enter the full text and notes
    "add_coverage", "change_coverage",  # coders record what they have read
    "add_story", "change_story", "add_storymember", "change_storymember", "delete_storymember",  # link reprints
    # Second-coding an agreement round: only the rounds assigned to them (services).
    "add_secondcoding", "change_secondcoding", "delete_secondcoding",
]

ROLES = {
    # Reads everything in the admin except restricted material; changes nothing.
    "viewer": _READ,
    "coder": _READ + _CODE,
    # Also marks articles reviewed, deletes articles, and merges duplicate enterprises
    # (a merge deletes the absorbed one).
    "reviewer": _READ + _CODE + ["review_article", "delete_article", "delete_enterprise", "delete_attributeperiod", "delete_coverage",
                 "draw_agreement_round"],  # draws, closes and adjudicates agreement rounds
}


def ensure_roles(Group=None, Permission=None, *, partial=False, using="default"):
    """Create or update the role groups to hold exactly the permissions in ROLES, in the
    database `using`. Takes the models as arguments so a migration can pass its historical
    ones (and the database it migrates); an early migration passes partial=True to skip
    permissions of models a later one creates (that migration runs this again)."""
    if Group is None:
        from django.contrib.auth.models import Group, Permission
    wanted = {codename for codenames in ROLES.values() for codename in codenames}
    permissions = {
        p.codename: p
        for p in Permission.objects.using(using).filter(content_type__app_label="registry", codename__in=wanted)
    }
    missing = wanted - set(permissions)
    if missing and not partial:
        raise LookupError(f"permissions not created yet (run migrate): {', '.join(sorted(missing))}")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([permissions[c] for c in codenames if c in permissions])


def may_review(user):
    """Marking an article reviewed: the permission table's "review" on articles."""
    return satisfied(user, admin_requirement("registry.article", "review"))


def status_choices_for(user, current=None):
    """The statuses a user may pick: coders never see "reviewed" unless it is already set."""
    if may_review(user) or current == Status.REVIEWED:
        return Status.choices
    return [(value, label) for value, label in Status.choices if value != Status.REVIEWED]
