from django.core.management.base import BaseCommand

from registry.access.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = "Create or update the role groups coder, reviewer and viewer (idempotent)."

    def handle(self, *args, **options):
        ensure_roles()
        self.stdout.write("roles: " + ", ".join(f"{name} ({len(perms)} permissions)" for name, perms in ROLES.items()))
