"""What the product's batch commands (imports, hotspot runs, evaluations, the job worker)
share."""

from django.core.checks import Tags

# Every system check but the URL configuration's: checking the routes imports every view, and
# with them the numerical libraries, for commands that serve no URL. `manage.py check`, the web
# server and CI still run all of them.
BATCH_CHECKS = [
    tag for name, tag in vars(Tags).items() if not name.startswith("_") and tag != Tags.urls
]
