"""Who may call what: the one permission table.

Every door asks this table: the API's permission class (api/permissions.py), the admin's
has_*_permission methods and its method guard (registry/admin/common.py), the public pages'
method guard, and tests/test_permission_table.py, which walks every route × method × role.
What a user may then *see* among the rows is the querysets' `visible_to(user)`; how a
write proceeds is registry/services/__init__.py.

A requirement is EVERYONE (no permission), a permission name ("registry.add_article"), or a
tuple of names (all needed). A method missing from a route's entry does not exist there: 405
for everyone, before anyone is asked who they are. Anonymous users never satisfy a
permission, so no write is open to them anywhere.
"""

from django.http import HttpResponseNotAllowed

EVERYONE = "everyone"
SAFE = ("GET", "HEAD", "OPTIONS")
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")

# The roles of the team (registry/access/roles.py holds the groups' permissions) and the two
# people outside it.
ROLES = ("anonymous", "signed_in", "viewer", "coder", "reviewer", "admin")


def _read(**writes):
    return {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, **writes}


# ---- the API: route -> list/detail -> method -> requirement ------------------------------
API = {
    "enterprises": {"list": _read(), "detail": _read()},
    "articles": {
        "list": _read(POST="registry.add_article"),
        "detail": _read(PUT="registry.change_article", PATCH="registry.change_article"),
    },
    "claims": {
        "list": _read(POST="registry.add_claim"),
        "detail": _read(PUT="registry.change_claim", PATCH="registry.change_claim"),
    },
    "places": {"list": _read(), "detail": _read()},
    "industries": {"list": _read(), "detail": _read()},
    "sources": {"list": _read(), "detail": _read()},
    "timeseries": {"list": _read()},
    # The counting rules and the codebook (registry/method/rules.py): read by everyone.
    "method": {"list": _read()},
    # Proposed claims of an article's text (registry/articles/proposals.py): for coders, who code.
    "suggestions": {"list": {"POST": "registry.add_claim", "OPTIONS": EVERYONE}},
    # Citable releases: listed, read and downloaded (a detail's action) by everyone.
    "releases": {"list": _read(), "detail": _read()},
    "root": {"list": _read()},
    # drf-spectacular's own views: the schema and Swagger UI read for everyone.
    "schema": {"list": {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE}},
    "docs": {"list": {"GET": EVERYONE, "HEAD": EVERYONE}},
}


def api_requirement(route, kind, method):
    """The requirement for `method` on an API route ("articles", "detail"); None: no such method."""
    return API[route][kind].get(method)


# ---- the admin: model -> action -> requirement ------------------------------------------
def _model(label, *, view=True, add=True, change=True, delete=True):
    app, model = label.split(".")

    def perm(action, allowed):
        return f"{app}.{action}_{model}" if allowed else None

    return {"view": perm("view", view), "add": perm("add", add), "change": perm("change", change), "delete": perm("delete", delete)}


ADMIN = {
    "registry.article": {
        **_model("registry.article"),
        "import": ("registry.add_article", "registry.add_claim", "registry.add_enterprise"),
        "review": "registry.review_article",
        # One click on a suggested reprint: a story (new, or the one either is in) and links.
        "link_story": ("registry.add_story", "registry.add_storymember"),
    },
    "registry.claim": _model("registry.claim"),
    # A merge changes one enterprise and deletes the others: both rights are needed.
    "registry.enterprise": {**_model("registry.enterprise"), "merge": ("registry.change_enterprise", "registry.delete_enterprise")},
    # Edited as inlines on their enterprise's and place's pages; no pages of their own.
    "registry.enterprisealias": _model("registry.enterprisealias"),
    # An enterprise's attributes in time: its page's timeline, their own list, import_history.
    "registry.attributeperiod": _model("registry.attributeperiod"),
    "registry.locationname": _model("registry.locationname"),
    "registry.location": _model("registry.location"),
    "registry.industry": _model("registry.industry"),
    "registry.source": _model("registry.source"),
    # Which date ranges of a source were read (registry/series/coverage.py).
    "registry.coverage": _model("registry.coverage"),
    # Articles reporting one event (reprints); members are edited on their story's page.
    "registry.story": _model("registry.story"),
    "registry.storymember": _model("registry.storymember"),
    # Inter-coder agreement rounds (registry/models/agreement.py): drawn (added), closed and
    # adjudicated by reviewers; second-coded on the round's own page by its second coder
    # (services check that it is theirs); never edited or deleted by hand.
    "registry.agreementround": {
        **_model("registry.agreementround", change=False, delete=False),
        "add": "registry.draw_agreement_round",
        "code": "registry.add_secondcoding",
        "close": "registry.draw_agreement_round",
        "adjudicate": "registry.draw_agreement_round",
    },
    # A token is issued or revoked (deleted), never edited.
    "api.apitoken": _model("api.apitoken", change=False),
    "auth.user": _model("auth.user"),
    "auth.group": _model("auth.group"),
    # Sign-in lockouts (django-axes): read and cleared, never written by hand.
    "axes.accessattempt": _model("axes.accessattempt", add=False, change=False),
    "axes.accesslog": _model("axes.accesslog", add=False, change=False),
    "axes.accessfailurelog": _model("axes.accessfailurelog", add=False, change=False),
}


def admin_requirement(label, action):
    return ADMIN[label].get(action)


# The admin's views and the methods each answers; the action each needs for it (None: only
# a signed-in staff member, as the admin's index). GET renders, POST writes (or, on a
# read-only view, is refused). PUT, PATCH, DELETE and OPTIONS exist nowhere in the admin.
ADMIN_VIEWS = {
    "index": {"GET": None, "HEAD": None},
    "app_list": {"GET": None, "HEAD": None},
    # A list's POST carries an action; each action asks for its own right (delete_selected:
    # delete, merge: merge) and is not offered to those without it.
    "changelist": {"GET": "view", "HEAD": "view", "POST": "view"},
    "add": {"GET": "add", "HEAD": "add", "POST": "add"},
    "change": {"GET": "view", "HEAD": "view", "POST": "change"},
    "delete": {"GET": "delete", "HEAD": "delete", "POST": "delete"},
    "history": {"GET": "view", "HEAD": "view"},
    "history_version": {"GET": "view", "HEAD": "view", "POST": "change"},
    "autocomplete": {"GET": "view", "HEAD": "view"},
    "import": {"GET": "import", "HEAD": "import", "POST": "import"},
    # An agreement round's second-coding page (one drawn article), and its close and
    # adjudicate buttons.
    "agreement_code": {"GET": "code", "HEAD": "code", "POST": "code"},
    "agreement_close": {"POST": "close"},
    # The second coder's enterprise search on that page (agreement_rounds.second_coding_enterprises).
    "agreement_enterprises": {"GET": "code", "HEAD": "code"},
    "agreement_adjudicate": {"POST": "adjudicate"},
    # Link an article and a suggested reprint as one story: a form's button, POST only.
    "link_story": {"POST": "link_story"},
    # Signing in and out, and a staff member's own password.
    "login": {"GET": EVERYONE, "HEAD": EVERYONE, "POST": EVERYONE},
    "logout": {"POST": EVERYONE},
    "password_change": {"GET": None, "HEAD": None, "POST": None},
    "password_change_done": {"GET": None, "HEAD": None},
    "jsi18n": {"GET": None, "HEAD": None},
    # Redirects: "view on site", an object's bare URL, and the catch-all 404.
    "redirect": {"GET": None, "HEAD": None},
}
# The name of an admin URL -> its view kind (model URLs end in the kind).
_ADMIN_SUFFIXES = {
    "_changelist": "changelist", "_add": "add", "_change": "change", "_delete": "delete", "_history": "history",
    "_simple_history": "history_version", "_import": "import", "_link_story": "link_story", "_password_change": "password_change",
    "_agreement_code": "agreement_code", "_agreement_close": "agreement_close", "_agreement_enterprises": "agreement_enterprises", "_agreement_adjudicate": "agreement_adjudicate",
}


def admin_view_kind(url_name):
    """The ADMIN_VIEWS kind of an admin URL name (e.g. "registry_article_change" -> "change")."""
    if url_name in ADMIN_VIEWS:
        return url_name
    if url_name in ("view_on_site", ""):
        return "redirect"
    for suffix, kind in sorted(_ADMIN_SUFFIXES.items(), key=lambda item: -len(item[0])):
        if url_name.endswith(suffix):
            return kind
    return None


# ---- public pages: url name -> method -> requirement ------------------------------------
PAGES = {
    "home": {"GET": EVERYONE, "HEAD": EVERYONE},
    "compare": {"GET": EVERYONE, "HEAD": EVERYONE},
    "enterprise": {"GET": EVERYONE, "HEAD": EVERYONE},
    "enterprise_list": {"GET": EVERYONE, "HEAD": EVERYONE},
    "place": {"GET": EVERYONE, "HEAD": EVERYONE},
    "method": {"GET": EVERYONE, "HEAD": EVERYONE},
    "map": {"GET": EVERYONE, "HEAD": EVERYONE},
    # The language switcher (Django's set_language): a POST with the page's CSRF token that
    # sets the language cookie and goes back; it writes nothing to the database. A GET would
    # only redirect, so it does not exist here.
    "set_language": {"POST": EVERYONE},
}


def satisfied(user, requirement):
    """Whether `user` meets a requirement of this table."""
    if requirement == EVERYONE:
        return True
    if requirement is None or user is None or not user.is_authenticated:
        return False
    names = (requirement,) if isinstance(requirement, str) else requirement
    return user.has_perms(names)


class MethodGuard:
    """Middleware: an admin or page URL answers only the methods the table gives it; others
    are a 405 before any view runs (the admin would otherwise render a GET for a PUT)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None:
            return None
        if match.namespace == "admin":
            kind = admin_view_kind(match.url_name or "")
            allowed = ADMIN_VIEWS.get(kind)
        elif match.url_name in PAGES and not match.namespace:
            allowed = PAGES[match.url_name]
        else:
            return None
        if allowed is None:
            allowed = ADMIN_VIEWS["redirect"]  # an admin URL the table does not name reads only
        if request.method not in allowed:
            return HttpResponseNotAllowed(sorted(allowed))
        return None
