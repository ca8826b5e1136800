"""API tokens as the admin shows them: the key once, at creation, and never again."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

# Enough to tell a coder's tokens apart in a list, far too little to use one.
PREFIX = 6


class ApiToken(TokenProxy):
    """DRF's token (its admin URLs keyed by user id, not by the key), named by a prefix of its
    key wherever the admin prints an object: lists, titles, the delete page, the action log."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @property
    def prefix(self):
        return f"{self.key[:PREFIX]}…"

    def __str__(self):
        return f"{self.prefix} ({self.user})"
