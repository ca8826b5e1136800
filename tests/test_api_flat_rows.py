"""List pages are read with values_list and represented by the serializers' own fields
(api/rows.py): the answer must be byte for byte the one serializing model instances gives,
for every list, user and filter, restricted fields dropped alike."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from api import rows, serializers
from tests.api_data import build, user_with

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/enterprises/",
    "/api/v1/enterprises/?ordering=-claim_count&page_size=3&page=2",
    "/api/v1/enterprises/?place=Chongjin&grade=special",
    "/api/v1/articles/",
    "/api/v1/articles/?q=furnace",
    "/api/v1/claims/",
    "/api/v1/claims/?activity=investment&max_code=3&published_after=2015-01-01",
    "/api/v1/claims/?facets=activity,code&page_size=2",
    "/api/v1/places/",
    "/api/v1/industries/",
    "/api/v1/sources/",
]


def clients():
    researcher = APIClient()
    researcher.force_login(user_with("researcher", "view_restricted"))
    admin = APIClient()
    admin.force_login(User.objects.create_superuser("root", password="pw"))
    return {"anonymous": APIClient(), "researcher": researcher, "admin": admin}


def test_values_rows_answer_exactly_what_instances_do(monkeypatch):
    build()
    users = clients()
    flat = {(who, url): users[who].get(url) for who in users for url in URLS}
    monkeypatch.setattr(rows.FlatRows, "of", classmethod(lambda cls, serializer: None))
    for (who, url), response in flat.items():
        assert response.status_code == 200, (who, url, response.content[:300])
        assert response.json()["results"], (who, url)
        assert response.content == users[who].get(url).content, (who, url)


def test_every_list_serializer_is_read_from_values():
    """A list serializer the values path cannot mirror falls back to instances (slower);
    the API's own must all be mirrored."""
    for serializer_class in (
        serializers.EnterpriseListSerializer, serializers.ArticleListSerializer, serializers.ClaimSerializer,
        serializers.PlaceSerializer, serializers.IndustrySerializer, serializers.SourceSerializer,
    ):
        assert rows.FlatRows.of(serializer_class(context={"request": None})) is not None, serializer_class
