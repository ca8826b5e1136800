"""The database itself refuses values outside the codebook, whatever path they take."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from registry.models import Article, Claim, Enterprise, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    source = Source.objects.get(short_name="KCNA")
    article = Article.objects.create(source=source, published=datetime.date(2019, 4, 15), title="Furnace completed")
    enterprise = Enterprise.objects.create(name="Kim Chaek Iron and Steel Complex", grade="special", kind="complex")
    return Claim.objects.create(article=article, enterprise=enterprise, activity="facility", code=2)


@pytest.mark.parametrize("code", [0, 6])
def test_the_database_refuses_a_code_outside_1_to_5_even_through_update(claim, code):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(code=code)
    claim.refresh_from_db()
    assert claim.code == 2


@pytest.mark.parametrize(
    "model, field, value",
    [
        (Claim, "activity", "smelting"),
        (Enterprise, "grade", "8"),
        (Enterprise, "kind", "kombinat"),
        (Article, "precision", "week"),
        (Article, "disclosure", "secret"),
        (Article, "status", "approved"),
    ],
)
def test_every_enumeration_is_a_database_constraint(claim, model, field, value):
    obj = {Claim: claim, Enterprise: claim.enterprise, Article: claim.article}[model]
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=obj.pk).update(**{field: value})


def test_one_claim_per_article_enterprise_and_activity(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(article=claim.article, enterprise=claim.enterprise, activity="facility", code=3)


def test_the_tier_follows_the_grade_in_the_database(claim):
    Enterprise.objects.filter(pk=claim.enterprise_id).update(grade="5")
    assert Enterprise.objects.get(pk=claim.enterprise_id).tier == "local"
    Enterprise.objects.filter(pk=claim.enterprise_id).update(grade="2")
    assert Enterprise.objects.filter(tier="central").count() == 1


def test_the_full_text_is_fingerprinted(claim):
    article = claim.article
    article.full_text = "Kim Chaek Iron and Steel Complex completed an oxygen furnace."
    article.save()
    assert len(article.text_sha256) == 64
    assert article.history.count() == 2
