"""One name index (the duplicate guard's, registry/enterprises/duplicates.py) for the guard, the admin's
enterprise search and autocomplete: issue 26's walk through the coding desk."""

import pytest
from django.urls import reverse

from registry.enterprises.duplicates import NameIndex, similarity, similar_enterprises
from registry.models import Enterprise

from .admin_support import make_enterprise, place
from .test_admin_enterprises import ADD, enterprise_post

pytestmark = pytest.mark.django_db


def test_save_anyway_cannot_add_a_copy_of_a_name_in_the_same_place(client, coder):
    bag = make_enterprise("Chongjin Bag Factory", kind="factory", grade="local")  # no place
    for spelt in ("Chongjin Bag Factory", "Ch'ŏngjin Bag Factory", "Cheongjin  bag factory"):
        response = client.post(ADD, enterprise_post(spelt, kind="factory", grade="local", save_anyway="on"))
        assert response.status_code == 200, spelt
        page = response.content.decode()
        assert "already recorded in the same place" in page and f"Chongjin Bag Factory (#{bag.pk})" in page
        assert 'name="save_anyway"' not in page  # nothing to save anyway
    assert Enterprise.objects.count() == 1


def test_save_anyway_still_adds_a_namesake_in_another_place(client, coder):
    make_enterprise("Textile Mill", kind="factory", location=place("hamhung"))
    response = client.post(ADD, enterprise_post("Textile Mill", kind="factory", location=place("chongjin").pk, save_anyway="on"))
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="Textile Mill").count() == 2


def test_word_order_variants_are_caught():
    kept = make_enterprise("Kim Jong Suk Pyongyang Textile Mill", kind="factory", location=place("pyongyang"))
    [found] = similar_enterprises("Pyongyang Kim Jong Suk Textile Mill", place=place("pyongyang"))
    assert found.enterprise_id == kept.pk
    assert 90 <= found.score < 100  # the same words, not the same name


def test_the_similarity_shown_is_honest():
    # Two names sharing their distinctive rest were "100% alike" (the core's score).
    assert similarity("Musan Mine", "Musan Mining Complex") < 100
    assert similarity("Kim Chaek Steel Works", "Kimchaek Steel Complex") == 100
    make_enterprise("Musan Mining Complex", location=place("musan"))
    [found] = similar_enterprises("Musan Mine")
    assert found.score < 100
    # "Musan Mine" / "Musan Mining Complex": folded "musanmine" / "musanminingcomplex",
    # rapidfuzz ratio 2*9/27 = 66.7; as words "musan _mine" / "musan _mine" (the type word
    # unified) token_sort 100, capped at 99.
    assert found.score == 99


def test_identical_is_the_guards_fold_and_place():
    make_enterprise("2.8 Vinalon Complex", location=place("hamhung"))
    index = NameIndex.load()
    assert [c.name for c in index.identical("February 8 Vinylon Complex")] == ["2.8 Vinalon Complex"]
    assert [c.name for c in index.identical("2·8 Vinalon Complex", place=place("hamhung"))] == ["2.8 Vinalon Complex"]
    assert index.identical("2.8 Vinalon Complex", place=place("chongjin")) == []


def autocomplete(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": "claim", "field_name": "enterprise", "term": term},
    )
    assert response.status_code == 200
    return [r["text"] for r in response.json()["results"]]


def test_the_autocomplete_finds_what_the_guard_finds_and_shows_place_and_hangul(client, coder):
    make_enterprise("Ryongsong Machine Complex", hangul="룡성기계련합기업소", location=place("hamhung"))
    make_enterprise("2.8 Vinalon Complex", hangul="2.8비날론련합기업소", location=place("hamhung"))
    make_enterprise("Kim Jong Suk Pyongyang Textile Mill", kind="factory", location=place("pyongyang"))
    assert autocomplete(client, "Hamheung Ryongsong") == ["Ryongsong Machine Complex · 룡성기계련합기업소 (Hamhung, South Hamgyong)"]
    assert autocomplete(client, "2.8 vinylon") == ["2.8 Vinalon Complex · 2.8비날론련합기업소 (Hamhung, South Hamgyong)"]
    assert autocomplete(client, "February 8 Vinalon") == ["2.8 Vinalon Complex · 2.8비날론련합기업소 (Hamhung, South Hamgyong)"]
    assert autocomplete(client, "Pyongyang Kim Jong Suk Textile Mill") == ["Kim Jong Suk Pyongyang Textile Mill (Pyongyang)"]
    # and each the guard finds too
    for term in ("Hamheung Ryongsong Machine Complex", "2.8 vinylon complex", "Pyongyang Kim Jong Suk Textile Mill"):
        assert similar_enterprises(term), term


def test_an_article_that_exists_is_refused_in_a_sentence_naming_it(client, coder):
    from .admin_support import make_article, source
    from .test_admin_articles import ADD as ARTICLE_ADD, article_post

    existing = make_article("Kim Chaek works raise output", source=source("KCNA"))
    data = article_post(title="Kim Chaek works raise output", source=source("KCNA").pk, published="2019-04-15")
    response = client.post(ARTICLE_ADD, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "registry_article_unique_headline" not in page
    url = reverse("admin:registry_article_change", args=[existing.pk])
    assert f'Article <a href="{url}">KCNA 2019-04-15: Kim Chaek works raise output</a> (#{existing.pk}) already has this headline (English), source and published: change it here' in page


def test_the_import_refuses_a_copy_of_a_name_in_the_same_place_even_confirmed():
    from registry.importing.rows import ImportFailed
    from registry.services import claims_import

    make_enterprise("Chongjin Bag Factory", kind="factory", grade="local", location=place("chongjin"))
    header = "source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit\n"
    row = "KCNA,2019-04-15,Bags made,,Cheongjin Bag Factory,,,,Chongjin,production,5,,,\n"
    with pytest.raises(ImportFailed) as refused:
        claims_import(data=header + row, accept_new=["Cheongjin Bag Factory"])
    [error] = refused.value.errors
    assert (error.line, error.field) == (2, "enterprise") and "the same name as 'Chongjin Bag Factory'" in error.message
    assert Enterprise.objects.count() == 1
    # elsewhere, confirmed, it goes in
    claims_import(data=header + row.replace(",Chongjin,", ",Hamhung,"), accept_new=["Cheongjin Bag Factory"])
    assert Enterprise.objects.count() == 2


def test_the_import_finds_every_row_error_in_one_pass():
    from registry.importing.rows import ImportFailed
    from registry.services import claims_import

    make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"), grade="special")
    header = "source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit\n"
    rows = [
        "KCNA,2019-04-15,Ore,,Musan Mine,,,,Atlantis,production,5,,,",  # an unknown place
        "KCNA,2019-04-15,Steel,,Kim Chaek Iron and Steel Complex,3,,,,production,5,,,",  # contradicts the grade recorded
        "KCNA,2019-04-15," + "H" * 600 + ",,Musan Mine,,,,,production,5,,,",  # a 600-character headline
        "KCNA,2019-02-30,Ore,,Musan Mine,,,,,production,5,,,",  # no such date
        "KCNA,2019-04-16,Steel,,Kim Chaek Iron and Steel Complx,,,,Chongjin,production,5,,,",  # misspelt: a possible duplicate
    ]
    with pytest.raises(ImportFailed) as refused:
        claims_import(data=header + "\n".join(rows) + "\n", dry_run=True)
    found = [(e.line, e.field) for e in refused.value.errors]
    assert found == [(2, "location"), (3, "grade"), (4, "title"), (5, "published"), (6, "enterprise")]
    assert "600 characters; at most 500" in refused.value.errors[2].message
    assert "possible duplicate of 'Kim Chaek Iron and Steel Complex'" in refused.value.errors[4].message
