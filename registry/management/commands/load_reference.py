from django.core.management.base import BaseCommand

from registry.places.reference import FIXTURES, load_reference


class Command(BaseCommand):
    help = "Load or update places, industries and sources from fixtures/ (idempotent, deletes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=FIXTURES, help="Folder holding places.csv, industries.csv, sources.csv")

    def handle(self, *args, directory, **options):
        report = load_reference(directory=directory)
        self.stdout.write(str(report))
