"""The web layer: the built site and the JSON API over the library."""

from .app import create_app

__all__ = ["create_app"]
