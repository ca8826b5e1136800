"""The coders' workbench. One module per area; importing them registers the ModelAdmins."""

from . import agreement, articles, claims, enterprises, lockouts, method, reference, timeline  # noqa: F401


def _autocomplete_with_labels():
    """The admin's autocomplete, with a ModelAdmin's `autocomplete_label(obj)` as the text of
    each choice where it has one (the enterprise's name, Hangul and place)."""
    from django.contrib import admin
    from django.contrib.admin.views.autocomplete import AutocompleteJsonView

    class LabelledAutocomplete(AutocompleteJsonView):
        def serialize_result(self, obj, to_field_name):
            result = super().serialize_result(obj, to_field_name)
            label = getattr(self.model_admin, "autocomplete_label", None)
            if label is not None:
                result["text"] = label(obj)
            return result

    admin.site.autocomplete_view = lambda request: LabelledAutocomplete.as_view(admin_site=admin.site)(request)


_autocomplete_with_labels()
