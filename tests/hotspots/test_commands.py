import json

import pytest
from django.core.management import CommandError, call_command

from hotspots.models import Category

pytestmark = pytest.mark.django_db


def test_generate_demo_data_writes_files_and_truth(tmp_path, capsys):
    call_command(
        "generate_demo_data", "--out", str(tmp_path), "--from", "2025-01", "--to", "2025-02"
    )
    assert "police.uk rows over 2 months" in capsys.readouterr().out
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert truth["months"] == ["2025-01", "2025-02"]
    assert len(list((tmp_path / "police-uk").rglob("*-street.csv"))) == 2
    assert (tmp_path / "force-export.csv").exists()


@pytest.mark.parametrize(("first", "last"), [("2025-13", "2025-12"), ("2025-06", "2025-01")])
def test_generate_demo_data_refuses_bad_months(tmp_path, first, last):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("generate_demo_data", "--out", str(tmp_path), "--from", first, "--to", last)


def test_load_categories_updates_weights_and_reports_bad_rows(tmp_path):
    table = tmp_path / "weights.csv"
    table.write_text("name,slug,group,harm_weight\nBurglary,burglary,crime,55\n")
    call_command("load_categories", str(table))
    assert Category.objects.get(slug="burglary").harm_weight == 55
    table.write_text("name,slug,group,harm_weight\nBurglary,burglary,crime,lots\n")
    with pytest.raises(CommandError, match="line 2, field 'harm_weight'"):
        call_command("load_categories", str(table))
    assert Category.objects.get(slug="burglary").harm_weight == 55
