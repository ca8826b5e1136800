from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Issue (or show) a user's API token, or revoke it with --revoke. Tokens are also managed in the admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Delete the user's token: requests with it get 401")

    def handle(self, *args, username, revoke, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        if revoke:
            deleted, _ = Token.objects.filter(user=user).delete()
            self.stdout.write(f"Token of {username} revoked." if deleted else f"{username} had no token.")
            return
        if not user.is_active:
            raise CommandError(f"{username} is inactive; activate the account first")
        token, created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
