"""API tokens in the admin: created with the key shown once, listed by prefix, revoked by
deleting. Replaces rest_framework.authtoken's registration, which lists every key in full."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .models import ApiToken

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(DRFTokenAdmin):
    list_display = ["key_prefix", "user", "created"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["key_prefix", "created"]

    def get_fields(self, request, obj=None):
        return ["user"] if obj is None else ["key_prefix", "user", "created"]

    def has_change_permission(self, request, obj=None):
        # A token is issued or revoked (deleted), never edited: the change page is read-only.
        return False

    @admin.display(description="key")
    def key_prefix(self, obj):
        return obj.prefix

    def response_add(self, request, obj, post_url_continue=None):
        # The only time the key is shown. It is not in the URL or the log (str() is a prefix).
        self.message_user(
            request,
            f"API token for {obj.user}: {obj.key} — copy it now: it will not be shown again. "
            "If it is lost, delete this token and add a new one.",
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:api_apitoken_changelist"))
