from django.db import migrations

from hotspots.categories import read_category_table


def load_defaults(apps, schema_editor):
    Category = apps.get_model("hotspots", "Category")
    for row in read_category_table():
        Category.objects.update_or_create(slug=row["slug"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("hotspots", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
