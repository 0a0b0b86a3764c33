from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: roles, jobs and health"

    def ready(self) -> None:
        # Job handlers live in each app's jobs.py; import them so web, CLI and workers know them.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        # Cards for the manager's home page live in each app's panels.py.
        autodiscover_modules("panels")
        # Each app's jobs told in words live in its job_words.py (light: no heavy imports).
        autodiscover_modules("job_words")
        import core.middleware  # noqa: F401  (stamps the sign-in time on each session)
