"""Configuration wing: settings from the environment, sources from feeds.yaml, the organisation registry.

`load` reads and validates (the public names callers use are re-exported here), `checks` validates single
values, `yaml_nodes` composes YAML safely with line numbers. Nothing here fetches or touches the database.
"""

from bot.config.load import (
    LANGUAGES,
    LOG_LEVELS,
    MAX_TEXT,
    MIN_INTERVAL,
    REGISTRY_PATH,
    FeedsConfig,
    RegistryFile,
    format_problems,
    load_config,
    load_registry,
    load_settings,
    load_sources,
    parse_duration,
    read_config,
    read_registry,
    read_sources,
    registry_file,
)

__all__ = [
    "LANGUAGES",
    "LOG_LEVELS",
    "MAX_TEXT",
    "MIN_INTERVAL",
    "REGISTRY_PATH",
    "FeedsConfig",
    "RegistryFile",
    "format_problems",
    "load_config",
    "load_registry",
    "load_settings",
    "load_sources",
    "parse_duration",
    "read_config",
    "read_registry",
    "read_sources",
    "registry_file",
]
