"""The duplicate guard's name folding and candidate search (registry/duplicates.py)."""

import pytest

from registry.duplicates import NameIndex, fold, similar_enterprises
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
