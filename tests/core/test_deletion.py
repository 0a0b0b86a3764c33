"""Deleting runs and reports: the page says what goes with them and what stops it, only
managers may, and a refused deletion changes nothing."""

import datetime as dt

import pytest

from core.deletion import DeletionRefused, deletion_preview, object_delete
from evaluation.models import Evaluation
from hotspots.models import Hotspot, HotspotRun
from patrols.models import PatrolPlan
from patrols.services.plans import plan_create
from tests.patrols.factories import HotspotFactory, RunFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def _evaluation(run) -> Evaluation:
    return Evaluation.objects.create(
        force=run.force, run=run, before_start=dt.date(2025, 1, 1),
        before_end=dt.date(2025, 6, 1), after_start=dt.date(2026, 1, 1),
        after_end=dt.date(2026, 6, 1), name="Spring",
    )  # fmt: skip


def _plan(run) -> PatrolPlan:
    windows = [{"days": [0], "start": "18:00", "end": "20:00"}]
    items = [{"hotspot": run.hotspots.first(), "windows": windows}]
    return plan_create(run=run, name="June", first_day=DAY, last_day=DAY, hotspots=items)


@pytest.fixture
def run():
    run = RunFactory(name="Spring ASB")
    for _ in range(3):
        HotspotFactory(run=run)
    _evaluation(run)
    return run


def test_preview_counts_what_cascades(run):
    preview = deletion_preview(run)
    assert preview.allowed
    assert dict(preview.deleted) == {"hotspots": 3, "evaluation": 1}


def test_a_plan_using_the_hotspots_blocks_deleting_the_run(run):
    _plan(run)
    preview = deletion_preview(run)
    assert not preview.allowed
    assert any("June" in name or "plan" in name for name in preview.blocked_by)
    with pytest.raises(DeletionRefused, match="cannot be deleted while these depend on it"):
        object_delete(run)
    assert HotspotRun.objects.filter(pk=run.pk).exists()
    assert Hotspot.objects.filter(run=run).count() == 3


def test_manager_deletes_a_run_through_the_confirmation_page(run, manager_client):
    url = f"/hotspots/runs/{run.pk}/delete/"
    page = manager_client.get(url).content.decode()
    assert "3 hotspots" in page and "1 evaluation" in page and "cannot be undone" in page
    assert HotspotRun.objects.filter(pk=run.pk).exists(), "a GET deletes nothing"
    response = manager_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/hotspots/"
    assert "Deleted hotspot run" in response.content.decode()
    assert not HotspotRun.objects.filter(pk=run.pk).exists()
    assert not Evaluation.objects.exists()


def test_refused_run_deletion_page_names_the_plan(run, manager_client):
    _plan(run)
    url = f"/hotspots/runs/{run.pk}/delete/"
    page = manager_client.get(url).content.decode()
    assert "cannot be deleted while these depend on it" in page
    response = manager_client.post(url, follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert HotspotRun.objects.filter(pk=run.pk).exists()
    assert PatrolPlan.objects.count() == 1


def test_manager_deletes_an_evaluation(run, manager_client):
    evaluation = run.evaluations.get()
    assert "Delete…" in manager_client.get("/evaluations/").content.decode()
    manager_client.post(f"/evaluations/{evaluation.pk}/delete/")
    assert not Evaluation.objects.exists()
    assert HotspotRun.objects.filter(pk=run.pk).exists()


@pytest.mark.parametrize("persona", ["commander_client", "officer_client"])
def test_only_managers_delete(request, run, persona):
    client = request.getfixturevalue(persona)
    evaluation = run.evaluations.get()
    for url in (f"/hotspots/runs/{run.pk}/delete/", f"/evaluations/{evaluation.pk}/delete/"):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert HotspotRun.objects.count() == 1 and Evaluation.objects.count() == 1


def test_a_plan_is_deleted_with_its_patrols_and_the_run_can_go_after(run, manager_client):
    plan = _plan(run)
    page = manager_client.get(f"/patrols/plans/{plan.pk}/delete/").content.decode()
    assert "cannot be undone" in page and "plan hotspot" in page
    manager_client.post(f"/patrols/plans/{plan.pk}/delete/")
    assert not PatrolPlan.objects.exists()
    assert deletion_preview(run).allowed


def test_publish_asks_first_and_is_offered_only_with_patrols(run, manager_client):
    from core.models import Job

    plan = _plan(run)
    plan.job = Job.objects.create(kind="patrols.generate", status="failed", error="No officers")
    plan.save()
    page = manager_client.get(f"/patrols/plans/{plan.pk}/").content.decode()
    assert 'value="publish"' not in page and "Nothing to publish" in page
    assert "data-confirm" not in page
