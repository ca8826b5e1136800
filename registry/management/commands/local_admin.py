import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or reset) the local superuser 'admin' with a fresh random password, and print it."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        # A printed password is for a developer's own machine only.
        if not settings.DEBUG:
            raise CommandError("local_admin is for local development (DJANGO_DEBUG on); use createsuperuser")
        password = secrets.token_urlsafe(9)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"\nLocal admin login: http://127.0.0.1:8000/admin/  user: {username}  password: {password}\n"
        )
