"""The catalogue of user-facing texts (formal Bahasa Indonesia), one key each."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

import yaml

LANGUAGE = "id"


@cache
def catalog(language: str = LANGUAGE) -> dict[str, str]:
    """All texts of a language, read once from the package."""
    raw = resources.files("bot.texts").joinpath(f"{language}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError(f"text catalogue {language}.yaml is not a mapping")
    return {str(k): str(v).rstrip("\n") for k, v in data.items()}


def t(key: str, /, **params: Any) -> str:
    """The text for `key` with its parameters filled in."""
    template = catalog()[key]
    if not params:
        return template
    for name, value in params.items():
        # A sentence ending in a name with its title ("…, M.Si.") takes no second full stop.
        if isinstance(value, str) and value.endswith("."):
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    return template.format(**params)


def placeholders(key: str) -> set[str]:
    """Names of the parameters a text expects."""
    return {name for _, name, _, _ in Formatter().parse(catalog()[key]) if name}
