import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate


@pytest.mark.django_db
def test_healthz_ok_in_process(anonymous_client, settings):
    settings.JOBS_USE_CELERY = False
    response = anonymous_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "in-process"}


@pytest.mark.django_db
def test_healthz_503_when_broker_unreachable(anonymous_client, settings):
    settings.JOBS_USE_CELERY = True
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = anonymous_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_schema_is_valid_openapi_3_and_states_roles(manager_client, tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schema = yaml.safe_load(out.read_text())
    validate(schema)
    assert schema["openapi"].startswith("3.")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "Who may use it" in operation.get("description", ""), (method, path)
    served = manager_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    docs = manager_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
