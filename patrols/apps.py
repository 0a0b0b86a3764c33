from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = "Patrol plans and visits"

    def ready(self) -> None:
        # Registers published plans with hotspot monitoring, which never imports patrols.
        from patrols import monitoring  # noqa: F401
