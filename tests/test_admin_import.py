"""The admin's bulk import: upload, dry-run report, confirm; the command's validation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import Article, Claim, Enterprise, Industry

from .admin_support import make_enterprise, place
from .test_import import GOOD

pytestmark = pytest.mark.django_db

URL = reverse("admin:registry_article_import")


def upload(client, text, name="claims.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")})


def test_the_dry_run_reports_and_the_confirm_imports(client, coder):
    # Recorded as the file describes it, so the file's row matches it.
    make_enterprise("Musan Mining Complex", kind="mine", location=place("musan"), industry=Industry.objects.get(slug="metal-ore-mining"))
    response = upload(client, GOOD)
    assert response.status_code == 200
    assert response.context["counts"] == {
        "rows": 5,
        "articles_created": 3, "articles_matched": 0,
        "enterprises_created": 3, "enterprises_matched": 1, "enterprises_refined": 0,
        "claims_created": 5, "claims_matched": 0,
    }
    assert [(e["line"], e["name"]) for e in response.context["new_enterprises"]] == [
        (2, "Kim Chaek Iron and Steel Complex"), (4, "Ryugyong Kimchi Factory"), (5, "Chongjin Bag Factory"),
    ]
    assert not Article.objects.exists()  # a dry run writes nothing

    response = client.post(URL, {"confirm": "1", "sha256": response.context["sha256"]})
    assert response.status_code == 302
    assert (Article.objects.count(), Enterprise.objects.count(), Claim.objects.count()) == (3, 4, 5)
    assert set(Article.objects.values_list("coded_by", flat=True)) == {coder.pk}
    assert "created 3 articles, 3 enterprises, 5 claims" in client.get(response.url).content.decode()
    # The file is gone from the session: a second confirm imports nothing.
    client.post(URL, {"confirm": "1", "sha256": "x"})
    assert Claim.objects.count() == 5


def test_errors_are_listed_with_line_numbers_and_nothing_is_kept(client, coder):
    bad = GOOD.replace("facility,2,new oxygen furnace", "facility,9,new oxygen furnace").replace(
        "2019-06,Light", "2019-13,Light", 1
    )
    response = upload(client, bad)
    errors = [(e.line, e.field) for e in response.context["errors"]]
    assert errors == [(2, "code"), (4, "published")]
    page = response.content.decode()
    assert "the reliability code must be a whole number from 1 to 5" in page
    assert "sha256" not in response.context
    assert not Article.objects.exists()


def test_a_new_enterprise_like_an_existing_one_is_flagged(client, coder):
    # Recorded in another place: the same name there is another enterprise, or this one.
    existing = make_enterprise("Kim Chaek Iron & Steel Works", location=place("pyongyang"))
    response = upload(client, GOOD)
    kim_chaek = next(e for e in response.context["new_enterprises"] if e["name"].startswith("Kim Chaek"))
    assert [c.enterprise_id for c in kim_chaek["similar"]] == [existing.pk]


def test_the_confirm_refuses_a_file_it_did_not_check(client, coder):
    upload(client, GOOD)
    response = client.post(URL, {"confirm": "1", "sha256": "0" * 64})
    assert response.status_code == 302 and response.url == URL
    assert not Article.objects.exists()


def test_a_flagged_enterprise_is_created_only_when_its_box_is_ticked(client, coder):
    existing = make_enterprise("Kim Chaek Iron & Steel Works", location=place("pyongyang"))
    response = upload(client, GOOD)
    assert 'name="accept_new" value="Kim Chaek Iron and Steel Complex"' in response.content.decode()
    digest = response.context["sha256"]

    refused = client.post(URL, {"confirm": "1", "sha256": digest})
    assert refused.status_code == 200 and not Article.objects.exists()
    [error] = refused.context["errors"]
    assert (error.line, error.field, error.value) == (2, "enterprise", "Kim Chaek Iron and Steel Complex")
    assert f"possible duplicate of 'Kim Chaek Iron & Steel Works' (#{existing.pk})" in error.message
    assert refused.context["sha256"] == digest  # the report again, to tick the box

    done = client.post(URL, {"confirm": "1", "sha256": digest, "accept_new": ["Kim Chaek Iron and Steel Complex"]})
    assert done.status_code == 302
    assert Enterprise.objects.filter(name__startswith="Kim Chaek").count() == 2
