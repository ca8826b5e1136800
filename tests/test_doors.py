"""Doors between the public site, the admin and the API: each leads where it says."""

import re

import pytest
from django.urls import reverse

from .admin_support import make_enterprise, place

pytestmark = pytest.mark.django_db


def test_the_home_page_is_public_and_the_admins_view_site_leads_to_it(client, coder):
    admin_page = client.get(reverse("admin:index")).content.decode()
    assert '<a href="/">View site</a>' in admin_page
    client.logout()
    home = client.get("/")
    assert home.status_code == 200 and "North Korean enterprise registry" in home.content.decode()
    for link in ('href="/compare/"', 'href="/api/v1/"', 'href="/api/docs/"', 'href="/api/v1/timeseries/"'):
        assert link in home.content.decode()


def test_an_enterprise_links_to_its_public_page_and_back(client, coder):
    steel = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    change = reverse("admin:registry_enterprise_change", args=[steel.pk])
    page = client.get(change).content.decode()
    public = reverse("enterprise", args=[steel.pk])
    [view_on_site] = re.findall(r'<a href="([^"]+)" class="viewsitelink">View on site</a>', page)
    followed = client.get(view_on_site)
    assert followed.status_code == 302 and followed.url.endswith(public)
    assert client.get(public).status_code == 200
    assert f'href="{change}"' in client.get(public).content.decode()  # back, for who may edit
    client.logout()
    assert change not in client.get(public).content.decode()  # not for the public


def test_the_api_root_describes_the_api_and_links_time_series_and_docs(client):
    body = client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    for name in ("enterprises", "articles", "claims", "places", "industries", "sources"):
        assert body[name].endswith(f"/api/v1/{name}/")
    assert body["timeseries"].endswith("/api/v1/timeseries/")
    assert body["docs"].endswith("/api/docs/") and body["schema"].endswith("/api/schema/")
    page = client.get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    assert "The default basic root view" not in page
    assert "enterprise registry&#x27;s API" in page or "enterprise registry's API" in page
