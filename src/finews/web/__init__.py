"""The web layer: serves the built site; later the live views and the JSON API."""

from .app import create_app

__all__ = ["create_app"]
