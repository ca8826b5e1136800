"""django-axes' sign-in lockouts in the admin, with the permission table's rights: read and
cleared (deleted), never added or edited by hand (their change form saved an empty POST)."""

from axes import admin as axes_admin  # noqa: F401  registers axes' ModelAdmins first
from django.contrib import admin

from registry.access.permissions import admin_requirement, satisfied


def _table_admin(model_admin_class):
    class TableLockoutAdmin(model_admin_class):
        def has_add_permission(self, request, *args):
            return satisfied(request.user, admin_requirement(self.model._meta.label_lower, "add"))

        def has_change_permission(self, request, obj=None):
            return satisfied(request.user, admin_requirement(self.model._meta.label_lower, "change"))

    TableLockoutAdmin.__name__ = model_admin_class.__name__
    return TableLockoutAdmin


for model, model_admin in list(admin.site._registry.items()):
    if model._meta.app_label == "axes":
        admin.site.unregister(model)
        admin.site.register(model, _table_admin(type(model_admin)))
