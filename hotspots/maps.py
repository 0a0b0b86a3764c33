"""What every map of a force is drawn on: the base tiles (MAP_TILE_URL, OpenStreetMap by
default) and, for when they cannot load, where to fetch the street names of the force's
police.uk map points. One home for the maps of runs, reports, live calls and the field app."""

from django.conf import settings
from django.urls import reverse

from hotspots.models import Force


def map_base(force: Force | None) -> dict:
    return {
        "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        "streets": reverse("api-force-streets", args=[force.slug]) if force else "",
    }
