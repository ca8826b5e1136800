from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Issue a user's API token and print its key, once: it is never shown again. --revoke "
        "deletes it (then issue a new one to replace a lost key). Also in the admin."
    )

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
        existing = Token.objects.filter(user=user).first()
        if existing is not None:
            raise CommandError(
                f"{username} already has a token ({existing.key[:6]}…, issued {existing.created:%Y-%m-%d}); "
                "its key is not shown again. To replace it: --revoke, then issue a new one."
            )
        # The key alone on stdout, so a script can capture it.
        self.stdout.write(Token.objects.create(user=user).key)
