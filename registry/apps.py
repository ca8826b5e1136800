from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(using, **kwargs):
    from django.db import connections

    from registry.articles.search import ensure_sqlite_index

    ensure_sqlite_index(connections[using])


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Enterprise registry")

    def ready(self):
        from registry.stored import copies
        from registry.stored.version_triggers import after_migrate
        from registry.articles.search import connect_signals

        # SQLite's FTS5 triggers are lost when a migration rebuilds registry_article.
        post_migrate.connect(_ensure_search_index, sender=self)
        # After every migrate (and every test flush): the version row and its triggers.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="registry_data_version")
        # And the triggers that keep the stored copies (registry/stored/copies.py).
        post_migrate.connect(copies.after_migrate, sender=self, dispatch_uid="registry_copies")
        connect_signals()
