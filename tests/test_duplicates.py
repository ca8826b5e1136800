"""The duplicate guard's name folding and candidate search (registry/enterprises/duplicates.py)."""

import pytest

from registry.enterprises.duplicates import NameIndex, fold, similar_enterprises
from registry.models import EnterpriseAlias

from .admin_support import make_enterprise


@pytest.mark.parametrize(
    "a, b",
    [
        ("Kim Chaek Iron & Steel Complex", "Kim Chaek Iron and Steel Complex"),
        ("Ch'ŏngjin Steel Works", "Chongjin Steel Complex"),
        ("Cheongjin Steel Works", "Chongjin Steel Combined Enterprise"),
        ("Hamheung Silk Mill", "Hamhung Silk Mill"),
        ("Hamhŭng Silk Mill", "Hamhung Silk Mill"),
        ("Jangjin Power Station", "Changjin Power Station"),
        ("Phyongyang Cornstarch Factory", "Pyongyang Cornstarch Factory"),
        ("Chong-jin Bag Factory", "Chongjin Bag Factory"),
        ("Kimchaek Iron and Steel Complex", "Kim Chaek Iron and Steel Complex"),
        ("Gim Chaek Iron and Steel Complex", "Kim Chaek Iron and Steel Complex"),
    ],
)
def test_variants_fold_to_one_key(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Chongjin Bag Factory", "Chongjin Shoe Factory"),
        ("Hwanghae Iron and Steel Complex", "Kim Chaek Iron and Steel Complex"),
        ("Sunchon Cement Complex", "Sunchon Cement Factory"),
    ],
)
def test_different_enterprises_stay_apart(a, b):
    index = NameIndex([(1, b, b)])
    assert index.search(a) == []


def test_a_typo_is_still_a_candidate():
    index = NameIndex([(1, "Kim Chaek Iron and Steel Complex", "Kim Chaek Iron and Steel Complex")])
    [candidate] = index.search("Kim Chaek Iron and Steal Complex")
    assert candidate.enterprise_id == 1 and 90 <= candidate.score < 100


@pytest.mark.django_db
def test_candidates_come_from_names_and_aliases_once_per_enterprise():
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    EnterpriseAlias.objects.create(enterprise=kim_chaek, name="Kim Chaek Iron Works")
    EnterpriseAlias.objects.create(enterprise=kim_chaek, name="Kimchaek Steel Works")
    renamed = make_enterprise("Songjin Steel Works")
    EnterpriseAlias.objects.create(enterprise=renamed, name="Kim Chaek Steel Works")
    make_enterprise("Hwanghae Iron and Steel Complex")

    found = similar_enterprises("Kim Chaek Steel Complex")
    assert [(c.name, c.matched, c.score) for c in found] == [
        ("Kim Chaek Iron and Steel Complex", "Kimchaek Steel Works", 100),
        ("Songjin Steel Works", "Kim Chaek Steel Works", 100),
    ]
    assert similar_enterprises("Kim Chaek Steel Complex", exclude=renamed.pk)[0].enterprise_id == kim_chaek.pk
    assert len(similar_enterprises("Kim Chaek Steel Complex", exclude=renamed.pk)) == 1


# The four that slipped through: (existing, its place, the new name).
MISSES = [
    ("Kim Chaek Iron and Steel Complex", "chongjin", "Kim Chaek Steel Works"),
    ("Musan Mining Complex", "musan", "Musan Mine"),
    ("Ryongsong Machine Complex", "hamhung", "Hamheung Ryongsong Machine Complex"),
    ("Chongjin Bag Factory", "chongjin", "Chongjin Bag Works"),
]
# Genuinely different enterprises: (existing, its place, the new name, the new one's place).
DISTINCT = [
    ("Chongjin Bag Factory", "chongjin", "Pyongyang Bag Factory", "pyongyang"),
    ("Chongjin Shipyard", "chongjin", "Nampo Shipyard", "nampo"),
    ("Chongjin Bag Factory", "chongjin", "Chongjin Shoe Factory", "chongjin"),
    ("Sunchon Cement Complex", "sunchon", "Sunchon Cement Factory", "sunchon"),
    ("Kim Chaek Iron and Steel Complex", "chongjin", "Hwanghae Iron and Steel Complex", "songnim"),
    ("Musan Mining Complex", "musan", "Musan Power Station", "musan"),
    ("Ryongsong Machine Complex", "hamhung", "Nampo Ryongsong Machine Complex", "nampo"),
    ("Pyongyang Textile Mill", "pyongyang", "Pyongyang Silk Mill", "pyongyang"),
    ("Kim Chaek Iron and Steel Complex", "chongjin", "Kim Chaek Machine Factory", "kimchaek"),
    ("Chongjin Shipyard", "chongjin", "Chongjin Power Station", "chongjin"),
    ("Hamhung Bag Factory", "hamhung", "Hamhung Shoe Factory", "hamhung"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("existing, where, new", MISSES)
def test_the_four_misses_now_warn(existing, where, new):
    from .admin_support import place

    kept = make_enterprise(existing, location=place(where))
    assert [c.enterprise_id for c in similar_enterprises(new)] == [kept.pk]
    # and knowing the new one's place (the same) changes nothing
    assert [c.enterprise_id for c in similar_enterprises(new, place=place(where))] == [kept.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("existing, where, new, new_where", DISTINCT)
def test_distinct_enterprises_stay_quiet(existing, where, new, new_where):
    from .admin_support import place

    make_enterprise(existing, location=place(where))
    assert similar_enterprises(new, place=place(new_where)) == []


@pytest.mark.django_db
def test_a_place_prefix_naming_another_place_than_the_candidates_is_apart():
    from .admin_support import place

    make_enterprise("Ryongsong Machine Complex", location=place("musan"))
    assert similar_enterprises("Hamheung Ryongsong Machine Complex") == []
    # with no place recorded the prefix cannot be checked: the guard warns
    make_enterprise("Taean Heavy Machine Complex")
    assert [c.name for c in similar_enterprises("Nampo Taean Heavy Machine Complex")] == ["Taean Heavy Machine Complex"]


@pytest.mark.django_db
def test_the_sample_enterprises_are_all_quiet_against_each_other():
    from registry.models import Enterprise
    from registry.services import claims_import

    with open("fixtures/sample_claims.csv", "rb") as handle:
        claims_import(data=handle.read())
    index = NameIndex.load()
    enterprises = list(Enterprise.objects.select_related("location"))
    assert len(enterprises) >= 20
    noisy = {}
    for e in enterprises:
        others = [c.name for c in index.search(e.name, place=e.location) if c.enterprise_id != e.pk]
        if others:
            noisy[e.name] = others
    assert noisy == {}


@pytest.mark.django_db(transaction=True)
def test_the_imports_name_index_is_kept_until_the_data_changes():
    from django.db import connection, transaction

    def names(index):
        return sorted(matched for _, _, matched, _ in index.entries)

    make_enterprise("Kim Chaek Iron and Steel Complex")
    first = NameIndex.current()
    assert names(first) == ["Kim Chaek Iron and Steel Complex"]
    assert NameIndex.current() is first  # nothing written since: kept
    make_enterprise("Musan Mining Complex")  # committed: the data version moves
    second = NameIndex.current()
    assert names(second) == ["Kim Chaek Iron and Steel Complex", "Musan Mining Complex"]
    with transaction.atomic():
        # Nothing written in this transaction yet: PostgreSQL serves the kept index.
        assert (NameIndex.current() is second) == (connection.vendor == "postgresql")
        make_enterprise("Ryongsong Machine Complex")
        # Its own write is seen, and nothing is kept that the version does not count yet.
        inside = NameIndex.current()
        assert "Ryongsong Machine Complex" in names(inside)
        assert NameIndex.current() is not inside
