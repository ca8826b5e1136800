"""The public record of each frozen, citable data package."""

from django.conf import settings
from django.db import models
from django.db.models import Q


# A release name is a directory name and a citation label: letters, digits, dots, dashes,
# underscores; never a path.
RELEASE_NAME_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$"


class Release(models.Model):
    """A frozen, citable data package written by `make_release` (see releases.py). The
    files under RELEASES_DIR/<name>/ never change; this row is their public record."""

    name = models.CharField(max_length=40, help_text="e.g. 2026.1")
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, help_text="Public: printed in the release's README")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codebook_version = models.CharField(max_length=20)
    counts = models.JSONField(default=dict, help_text="Rows per file of the package")
    # SHA-256 of the MANIFEST, which lists every file's SHA-256: one number for the package.
    checksum = models.CharField(max_length=64)
    zip_sha256 = models.CharField("SHA-256 of the zip download", max_length=64)
    zip_size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="registry_release_unique_name"),
            models.CheckConstraint(condition=Q(name__regex=RELEASE_NAME_PATTERN), name="registry_release_name_valid"),
        ]

    def __str__(self):
        return self.name
