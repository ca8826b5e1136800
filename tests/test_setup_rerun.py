"""`make setup` run again on a database coders have worked in (issue 26): the samples are
imported with --keep-existing, which adds what is missing and leaves the coder's work alone."""

import pytest
from django.core.management import call_command

from registry.importing.rows import ImportFailed
from registry.models import Article, Claim, Enterprise
from registry.services import claims_import

pytestmark = pytest.mark.django_db

SAMPLE = "fixtures/sample_claims.csv"


def sample():
    with open(SAMPLE, "rb") as handle:
        return handle.read()


def test_the_sample_goes_in_again_over_a_coders_edits_merges_and_copies():
    claims_import(data=sample())
    counts = (Enterprise.objects.count(), Article.objects.count(), Claim.objects.count())
    bag = Enterprise.objects.get(name="Chongjin Bag Factory")
    Enterprise.objects.create(name=bag.name, grade=bag.grade, kind=bag.kind)  # a "Save anyway" copy of old
    article = Article.objects.order_by("pk").first()
    article.summary = "edited by a coder"
    article.save()
    steel = Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex")
    steel.grade = "1"
    steel.save()
    musan = Enterprise.objects.get(name="Musan Mining Complex")
    musan.name = "Musan Iron Ore Mining Complex"
    musan.save()
    claim = Claim.objects.order_by("pk").first()
    claim.detail = "recoded"
    claim.save()

    with pytest.raises(ImportFailed):  # as it was: the file contradicts the coder's work
        claims_import(data=sample(), dry_run=True)
    call_command("import_claims", SAMPLE, "--keep-existing", verbosity=0)
    assert (Enterprise.objects.count(), Article.objects.count(), Claim.objects.count()) == (counts[0] + 1, counts[1], counts[2])
    article.refresh_from_db(), steel.refresh_from_db(), musan.refresh_from_db(), claim.refresh_from_db()
    assert (article.summary, steel.grade, musan.name, claim.detail) == ("edited by a coder", "1", "Musan Iron Ore Mining Complex", "recoded")
