"""Offline sync load test: tablets replaying their outbox against a gunicorn server."""
