"""The hotspots app's REST API: incident data (incidents.py) and hotspot runs (runs.py)."""
