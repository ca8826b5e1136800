"""Proposed claims (registry/articles/proposals.py), the command and the API (issue 26): the hard
cases pinned."""

import json

import pytest
from django.core.management import call_command

from registry.articles.proposals import propose

from .admin_support import make_enterprise, make_user, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    from registry.models import EnterpriseAlias

    vinalon = make_enterprise("2.8 Vinalon Complex", hangul="2.8비날론련합기업소", location=place("hamhung"))
    ryongsong = make_enterprise("Ryongsong Machine Complex", hangul="룡성기계련합기업소", location=place("hamhung"))
    kjs = make_enterprise("Kim Jong Suk Pyongyang Textile Mill", kind="factory", hangul="김정숙평양방직공장", location=place("pyongyang"))
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", hangul="김책제철련합기업소", location=place("chongjin"))
    EnterpriseAlias.objects.create(enterprise=kim_chaek, name="Kimchaek Steel Works")
    return {"vinalon": vinalon, "ryongsong": ryongsong, "kjs": kjs, "kim_chaek": kim_chaek}


def ids(proposals):
    return [p.enterprise_id for p in proposals]


def test_february_8_and_two_enterprises_in_one_sentence(registry):
    found = propose("Kim Jong Il in Hamhung",
                    "He toured the February 8 Vinalon Complex and the Ryongsong Machine Complex, which has modernized its shops.")
    assert ids(found) == [registry["vinalon"].pk, registry["ryongsong"].pk]
    assert found[0].evidence["enterprise"] == "February 8 Vinalon Complex"
    assert (found[1].activity, found[1].code, found[1].place) == ("modernization", 2, "Hamhung")
    assert found[1].evidence == {"enterprise": "Ryongsong Machine Complex", "activity": "modernized"}  # the text's words


def test_hangul_in_the_souths_spelling_and_2_dot_8(registry):
    # 연합 for 련합, 용성 for 룡성: the South's spelling of the North's names.
    found = propose("", "용성기계연합기업소와 2·8비날론연합기업소에서 생산을 늘이고있다.")
    assert ids(found) == [registry["ryongsong"].pk, registry["vinalon"].pk]
    assert [p.activity for p in found] == ["production", "production"]


def test_word_order_in_english_and_korean(registry):
    english = propose("", "The Pyongyang Kim Jong Suk Textile Mill installed a new production line.")
    assert ids(english) == [registry["kjs"].pk] and english[0].activity == "facility"
    korean = propose("", "김정숙평양방직공장에서 새 설비를 꾸리였다.")
    assert ids(korean) == [registry["kjs"].pk]


def test_an_alias_and_a_new_enterprise_with_its_place(registry):
    found = propose("", "The Kimchaek Steel Works raised output. A new Hyesan Bag Factory was built in Hyesan.")
    assert ids(found) == [registry["kim_chaek"].pk, None]
    new = found[1]
    assert (new.new_name, new.enterprise, new.place, new.activity, new.code) == ("Hyesan Bag Factory", None, "Hyesan", "construction", 1)
    korean = propose("", "혜산시에 혜산가방공장이 새로 일떠섰다.")
    assert [(p.new_name, p.place) for p in korean] == [("혜산가방공장", "Hyesan")]


def test_the_command_and_the_api_give_the_same_proposals(registry, tmp_path, capsys, client):
    lines = [{"id": "a", "title": "Output up", "text": "The Kimchaek Steel Works raised output."},
             {"id": "b", "title": "", "text": "용성기계연합기업소에서 생산을 늘이고있다."}]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    call_command("suggest_claims", str(path))
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert out[0]["claims"][0]["enterprise"] == "Kim Chaek Iron and Steel Complex"
    assert set(out[0]["claims"][0]) >= {"enterprise", "enterprise_id", "new_name", "place", "activity", "code", "evidence"}
    client.force_login(make_user("coder"))
    for line, expected in zip(lines, out):
        response = client.post("/api/v1/suggestions/", line, content_type="application/json")
        assert response.status_code == 200
        assert response.json() == expected


def test_the_api_is_for_coders_and_names_a_bad_field(client):
    body = {"title": "x", "text": "The Kimchaek Steel Works"}
    assert client.post("/api/v1/suggestions/", body, content_type="application/json").status_code == 401
    client.force_login(make_user("viewer"))
    assert client.post("/api/v1/suggestions/", body, content_type="application/json").status_code == 403
    client.force_login(make_user("coder", username="c2"))
    response = client.post("/api/v1/suggestions/", {"text": 5}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"] == {"text": ["a string"]}
    assert client.get("/api/v1/suggestions/").status_code == 405


def test_the_article_form_shows_the_proposals_for_a_coder_only(registry, client):
    from django.urls import reverse

    from .admin_support import make_article

    coder = make_user("coder")
    article = make_article("Output up", status="draft", coded_by=coder, full_text="The Kimchaek Steel Works raised output.")
    url = reverse("admin:registry_article_change", args=[article.pk])
    client.force_login(coder)
    page = client.get(url)
    assert [p["enterprise_id"] for p in page.context["proposals"]] == [registry["kim_chaek"].pk]
    assert "1 proposed claim" in page.content.decode() and 'id="proposals-data"' in page.content.decode()
    client.force_login(make_user("viewer"))
    assert "proposals" not in (client.get(url).context or {})
