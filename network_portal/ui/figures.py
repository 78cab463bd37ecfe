"""Definitions of the figures shown to users, printed where each figure is shown (issue 15).

Each domain app defines its figures once in ``<app>/figures.py`` (the selector that computes
it and a ``HELP`` dict of one-sentence definitions) and registers the definitions in its
``AppConfig.ready()``; templates print one with ``{% figure_help "roadmaps.completion" %}``
(a line under the figure) or ``{% figure_title "roadmaps.completion" %}`` (a tooltip).
"""

from __future__ import annotations

from collections.abc import Mapping

_HELP: dict[str, object] = {}


def register_help(definitions: Mapping[str, object]) -> None:
    _HELP.update(definitions)


def figure_definition(key: str) -> str:
    """The definition of a registered figure; a ``KeyError`` for an unknown key, so that a
    template cannot silently show a figure without its explanation."""
    return str(_HELP[key])
