"""Writes of the calls app: event application, tokens, public view, file feeds, moderation."""
