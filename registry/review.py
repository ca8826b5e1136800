"""Who may mark an article reviewed: one rule for the admin and the API alike.

The admin branch introduces the permission `registry.review_article` (held by the
"reviewer" role); until it exists everywhere, a user who may change articles and belongs to
the "reviewer" group counts as a reviewer too. Superusers always may.
"""

REVIEW_PERMISSION = "registry.review_article"
REVIEWER_GROUP = "reviewer"


def can_set_reviewed(user):
    """True if the user may move an article to (or keep it in) status "reviewed"."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.has_perm(REVIEW_PERMISSION):
        return True
    return user.has_perm("registry.change_article") and user.groups.filter(name=REVIEWER_GROUP).exists()
