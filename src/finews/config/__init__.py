"""finews.toml: typed, validated settings (:mod:`.models`), API presets and the commented template.

The names below are imported on first use: ``finews --help`` needs only :data:`DEFAULT_CONFIG_NAME`,
not the validating models (pydantic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

DEFAULT_CONFIG_NAME = "finews.toml"

_HOME = {
    "API_PRESETS": "presets",
    "USER_AGENT": "models",
    "Config": "models",
    "ExportConfig": "models",
    "FetchConfig": "models",
    "HtmlListConfig": "models",
    "JsonApiConfig": "models",
    "PostFolderConfig": "models",
    "RunConfig": "models",
    "RunExport": "models",
    "SiteConfig": "models",
    "SiteRuleConfig": "models",
    "SourceConfig": "models",
    "StorageConfig": "models",
    "config_from_dict": "models",
    "load_config": "models",
    "install_samples": "template",
    "render_template": "template",
}

__all__ = [
    "API_PRESETS",
    "DEFAULT_CONFIG_NAME",
    "USER_AGENT",
    "Config",
    "ExportConfig",
    "FetchConfig",
    "HtmlListConfig",
    "JsonApiConfig",
    "PostFolderConfig",
    "RunConfig",
    "RunExport",
    "SiteConfig",
    "SiteRuleConfig",
    "SourceConfig",
    "StorageConfig",
    "config_from_dict",
    "install_samples",
    "load_config",
    "render_template",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _HOME)


if TYPE_CHECKING:
    from .models import (
        USER_AGENT,
        Config,
        ExportConfig,
        FetchConfig,
        HtmlListConfig,
        JsonApiConfig,
        PostFolderConfig,
        RunConfig,
        RunExport,
        SiteConfig,
        SiteRuleConfig,
        SourceConfig,
        StorageConfig,
        config_from_dict,
        load_config,
    )
    from .presets import API_PRESETS
    from .template import install_samples, render_template
