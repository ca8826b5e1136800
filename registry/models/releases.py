"""The public record of each frozen, citable data package."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


# A release name is a directory name and a citation label: letters, digits, dots, dashes,
# underscores; never a path.
RELEASE_NAME_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$"


class Release(models.Model):
    """A frozen, citable data package written by `make_release` (see registry/releases/make.py). The
    files under RELEASES_DIR/<name>/ never change; this row is their public record."""

    name = models.CharField(_("name"), max_length=40, help_text=_("e.g. 2026.1"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Public: printed in the release's README"))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codebook_version = models.CharField(_("codebook version"), max_length=20)
    counts = models.JSONField(_("counts"), default=dict, help_text=_("Rows per file of the package"))
    # SHA-256 of the MANIFEST, which lists every file's SHA-256: one number for the package.
    checksum = models.CharField(_("checksum"), max_length=64)
    zip_sha256 = models.CharField(_("SHA-256 of the zip download"), max_length=64)
    zip_size = models.PositiveBigIntegerField(_("zip size"))

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="registry_release_unique_name"),
            models.CheckConstraint(condition=Q(name__regex=RELEASE_NAME_PATTERN), name="registry_release_name_valid"),
        ]

    def __str__(self):
        return self.name
