"""The publish stage: Jekyll/Hexo posts and the static site, both read from the archive."""

from .build import build_site
from .export import ExportReport, export_posts
from .outputs import PublishReport, publish_all
from .site import SiteReport

__all__ = ["ExportReport", "PublishReport", "SiteReport", "build_site", "export_posts", "publish_all"]
