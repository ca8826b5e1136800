from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Enterprise registry"

    def ready(self):
        from .dataversion import after_migrate

        # After every migrate (and every test flush): the version row and its triggers.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="registry_data_version")

