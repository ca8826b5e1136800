"""One number that moves whenever the registry's data changes (registry/dataversion.py)."""

from django.db import models


class DataVersion(models.Model):
    """A single row (id 1). Database triggers on every registry table add one to `number`
    when a transaction that wrote the table commits, so every writer (services, admin, import,
    raw SQL, COPY) moves it and readers see it move together with the data they read."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="registry_dataversion_single_row")]

    def __str__(self):
        return f"data version {self.number}"
