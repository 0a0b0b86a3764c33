from drf_spectacular.utils import extend_schema
from rest_framework import generics

from core.permissions import IsManagerOrCommander
from hotspots import selectors
from hotspots.api.incidents import FORCE_FILTER, _force_from_query
from hotspots.serializers import HotspotReviewSerializer


class HotspotReviewListApi(generics.ListAPIView):
    """Monitoring reviews of the hotspots in use (each force's latest run and its published
    plans), refreshed after every import: cooled hotspots, new or intensifying hot spots
    outside the selection and the Jaccard stability of its cells. Those needing attention
    come first. Filter with `?force=<slug>`."""

    serializer_class = HotspotReviewSerializer
    permission_classes = [IsManagerOrCommander]

    def get_queryset(self):
        return selectors.hotspot_review_list(force=_force_from_query(self.request))

    @extend_schema(parameters=[FORCE_FILTER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
