"""Two numbers that move when the registry's data changes (registry/stored/dataversion.py)."""

from django.db import models


class DataVersion(models.Model):
    """A single row (id 1). Database triggers on every registry table add one to `number`
    when a transaction that wrote the table commits, so every writer (services, admin, import,
    raw SQL, COPY) moves it and readers see it move together with the data they read.

    `public_number` and `public_changed` move in the same way, but only when the transaction
    changed something the public may see (registry/stored/dataversion.py, public_rows): anonymous
    answers are keyed by them, so a draft or an internal note leaves them as they were. The
public totals beside them are the public's counts of articles, enterprises and claims."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField(default=0)
    public_number = models.BigIntegerField(default=0, db_default=0)
    public_changed = models.DateTimeField(null=True, blank=True)
    # What the public may see, counted (provenance's live stamp): kept by the same triggers,
    # recounted by every `migrate` (dataversion.install).
    public_articles = models.BigIntegerField(default=0, db_default=0)
    public_enterprises = models.BigIntegerField(default=0, db_default=0)
    public_claims = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="registry_dataversion_single_row")]

    def __str__(self):
        return f"data version {self.number} (public {self.public_number})"
