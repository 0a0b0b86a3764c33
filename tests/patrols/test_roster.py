"""The roster a manager keeps: a week grid, shifts and leave added, changed and deleted, officers
and teams added without the admin, and a duty roster CSV imported all or nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import OFFICER, has_role
from patrols import selectors
from patrols.models import DutyShift, Leave, OfficerProfile, Team
from patrols.services.roster import RosterError, roster_import_csv
from tests.patrols.factories import ForceFactory, OfficerFactory, shift

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 6, 1)


def post(client, action: str, **fields):
    body = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/patrols/roster/?week={MONDAY}", body)


def test_week_grid_places_shifts_on_their_start_day_and_leave(manager_client):
    officer = OfficerFactory()
    shift(officer, MONDAY, "22:00", "06:00")  # crosses into Tuesday
    shift(officer, MONDAY + dt.timedelta(days=2), "08:00", "16:00")
    shift(officer, MONDAY + dt.timedelta(days=7), "08:00", "16:00")  # next week
    Leave.objects.create(officer=officer, first_day=MONDAY + dt.timedelta(days=4),
                         last_day=MONDAY + dt.timedelta(days=10))  # fmt: skip
    (row,) = selectors.roster_week(monday=MONDAY)
    assert [len(cell["shifts"]) for cell in row["days"]] == [1, 0, 1, 0, 0, 0, 0]
    assert [bool(cell["leave"]) for cell in row["days"]] == [False] * 4 + [True] * 3
    page = manager_client.get(f"/patrols/roster/?week={MONDAY + dt.timedelta(days=3)}")
    html = page.content.decode()
    assert "Week of 1 Jun 2026" in html
    assert "22:00–06:00" in html and "08:00–16:00" in html
    assert html.count('class="chip leave"') == 3


def test_week_grid_queries_do_not_grow_with_officers(manager_client, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            officer = OfficerFactory()
            shift(officer, MONDAY, "08:00", "16:00")
            Leave.objects.create(officer=officer, first_day=MONDAY, last_day=MONDAY)

    add(2)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(f"/patrols/roster/?week={MONDAY}")
    add(6)
    with django_assert_num_queries(len(few.captured_queries)):
        manager_client.get(f"/patrols/roster/?week={MONDAY}")


def test_shifts_are_added_changed_and_deleted(manager_client):
    officer = OfficerFactory()
    response = post(manager_client, "shift", officer=officer.pk, start="2026-06-01T22:00",
                    end="2026-06-02T06:00")  # fmt: skip
    assert response.status_code == 302
    again = post(manager_client, "shift", officer=officer.pk, start="2026-06-02T05:00",
                 end="2026-06-02T09:00").content.decode()  # fmt: skip
    assert "already on duty" in again and 'role="alert"' in again
    item = DutyShift.objects.get()
    url = f"/patrols/roster/shifts/{item.pk}/"
    page = manager_client.get(url).content.decode()
    assert 'value="2026-06-01T22:00"' in page
    manager_client.post(url, {"officer": officer.pk, "start": "2026-06-01T21:00",
                              "end": "2026-06-02T05:00", "note": "late"})  # fmt: skip
    item.refresh_from_db()
    assert (item.note, item.end.hour) == ("late", 4)  # 05:00 BST is 04:00 UTC
    manager_client.post(url, {"action": "delete"})
    assert not DutyShift.objects.exists()


def test_leave_is_added_and_deleted(manager_client):
    officer = OfficerFactory()
    post(manager_client, "leave", officer=officer.pk, first_day="2026-06-03",
         last_day="2026-06-05", reason="Annual")  # fmt: skip
    leave = Leave.objects.get()
    assert leave.reason == "Annual"
    bad = post(manager_client, "leave", officer=officer.pk, first_day="2026-06-05",
               last_day="2026-06-03").content.decode()  # fmt: skip
    assert "Leave must end on or after its first day" in bad
    manager_client.post(f"/patrols/roster/leave/{leave.pk}/")
    assert not Leave.objects.exists()


def test_officers_and_teams_are_added_without_the_admin(manager_client):
    force = ForceFactory()
    post(manager_client, "team", force=force.pk, name="Central SNT")
    team = Team.objects.get()
    post(manager_client, "officer", force=force.pk, username="jsmith", first_name="Jo",
         last_name="Smith", collar_number="7001", rank="pcso", team=team.pk)  # fmt: skip
    officer = OfficerProfile.objects.get(collar_number="7001")
    assert (officer.team, officer.rank, officer.force) == (team, "pcso", force)
    assert has_role(officer.user, OFFICER) and not officer.user.has_usable_password()
    taken = post(manager_client, "officer", force=force.pk, username="JSMITH", first_name="J",
                 last_name="S", collar_number="7002", rank="pc").content.decode()  # fmt: skip
    assert "The username JSMITH is taken" in taken
    assert User.objects.filter(username__iexact="jsmith").count() == 1
    dup = post(manager_client, "team", force=force.pk, name="central snt").content.decode()
    assert "already has a team" in dup


def test_duty_roster_csv_imports_all_rows(manager_client):
    a, b = OfficerFactory(collar_number="4101"), OfficerFactory(collar_number="4102")
    text = ("collar_number,start,end,note\n4101,2026-06-01 22:00,2026-06-02 06:00,nights\n"
            "4102,01/06/2026 08:00,01/06/2026 16:00,\n")  # fmt: skip
    upload = SimpleUploadedFile("duty.csv", text.encode())
    body = {"action": "import", "import-force": a.force.pk, "import-file": upload}
    response = manager_client.post(f"/patrols/roster/?week={MONDAY}", body, follow=True)
    assert "Imported 2 shifts from duty.csv" in response.content.decode()
    assert DutyShift.objects.filter(officer=a, note="nights").count() == 1
    assert DutyShift.objects.filter(officer=b).count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("collar,start,end\n", "duty.csv, line 1: missing column collar_number"),
        ("collar_number,start,end\n4101,2026-06-01 08:00,2026-06-01 16:00\n"
         "9999,2026-06-01 08:00,2026-06-01 16:00\n",
         "duty.csv, line 3, field 'collar_number': no officer '9999'"),
        ("collar_number,start,end\n4101,2026-06-01 08:00,2026-06-01 16:00\n"
         "4101,2026-13-01 08:00,2026-06-01 16:00\n",
         "duty.csv, line 3, field 'start': '2026-13-01 08:00' is not a date and time"),
        ("collar_number,start,end\n4101,2026-06-01 08:00,2026-06-01 16:00\n"
         "4101,2026-06-01 12:00,2026-06-01 20:00\n", "duty.csv, line 3: "),
        ("collar_number,start,end\n", "duty.csv: no shifts"),
    ],
)  # fmt: skip
def test_a_bad_duty_roster_names_file_line_and_field_and_writes_nothing(text, message):
    officer = OfficerFactory(collar_number="4101")
    with pytest.raises(RosterError) as error:
        roster_import_csv(force=officer.force, name="duty.csv", data=text.encode())
    assert message in str(error.value)
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize("persona", ["officer_client", "commander_client"])
def test_only_managers_keep_the_roster(request, persona):
    client = request.getfixturevalue(persona)
    officer = OfficerFactory()
    item = shift(officer, MONDAY, "08:00", "16:00")
    leave = Leave.objects.create(officer=officer, first_day=MONDAY, last_day=MONDAY)
    for url in ("/patrols/roster/", f"/patrols/roster/shifts/{item.pk}/",
                f"/patrols/roster/leave/{leave.pk}/"):  # fmt: skip
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "delete"}).status_code == 403
    assert DutyShift.objects.count() == 1 and Leave.objects.count() == 1
