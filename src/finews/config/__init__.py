"""finews.toml: typed, validated settings (:mod:`.models`), API presets and the commented template."""

from .models import (
    DEFAULT_CONFIG_NAME,
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
