from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hotspots.categories import DEFAULT_TABLE, CategoryTableError, read_category_table
from hotspots.models import Category


class Command(BaseCommand):
    help = (
        "Load a category table (name, slug, group, harm_weight, aliases, notes), e.g. a force's "
        "own harm weights; rows update categories with the same slug. Default: the shipped table."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_TABLE)

    def handle(self, *args, path: Path, **options):
        try:
            rows = read_category_table(path)
        except (CategoryTableError, OSError) as error:
            raise CommandError(str(error)) from None
        with transaction.atomic():
            for row in rows:
                Category.objects.update_or_create(slug=row["slug"], defaults=row)
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(rows)} categories from {path}."))
