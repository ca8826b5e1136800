"""People and data for the admin tests: users in each role, articles with claims."""

import datetime

from django.contrib.auth.models import Group, User

from registry.models import Article, Claim, Enterprise, Location, Source
from registry.access.roles import ensure_roles

PASSWORD = "a-long-test-password"


def make_user(role, username=None):
    """A staff user in one of the role groups (ROLES), or a superuser for role "admin"."""
    ensure_roles()  # idempotent; a transactional test elsewhere may have flushed the groups
    username = username or role
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, is_superuser=role == "admin")
    if role != "admin":
        user.groups.add(Group.objects.get(name=role))
    return user


def place(slug):
    return Location.objects.get(slug=slug)


def source(short_name="KCNA"):
    return Source.objects.get(short_name=short_name)


def make_enterprise(name, **fields):
    fields.setdefault("grade", "special")
    fields.setdefault("kind", "complex")
    return Enterprise.objects.create(name=name, **fields)


def make_article(title, *, claims=(), published=datetime.date(2019, 4, 15), **fields):
    fields.setdefault("source", source())
    fields.setdefault("status", "coded")  # published: a draft is seen only by its coder and reviewers
    article = Article.objects.create(title=title, published=published, **fields)
    for enterprise, activity, code in claims:
        Claim.objects.create(article=article, enterprise=enterprise, activity=activity, code=code)
    return article


def management_form(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
    }
