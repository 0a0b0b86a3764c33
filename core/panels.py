"""Cards that other apps add to the manager's and commander's home pages; core knows none
of them.

An app registers a function in its ``panels.py`` (found by CoreConfig.ready) that takes the
request and returns rendered HTML, or "" to show nothing.
"""

from collections.abc import Callable

from django.http import HttpRequest

Panel = Callable[[HttpRequest], str]
_MANAGER_PANELS: dict[str, Panel] = {}
_COMMANDER_PANELS: dict[str, Panel] = {}


def manager_panel(name: str) -> Callable[[Panel], Panel]:
    def register(panel: Panel) -> Panel:
        _MANAGER_PANELS[name] = panel
        return panel

    return register


def manager_panels(request: HttpRequest) -> list[str]:
    """Every registered card's HTML, in name order, empty ones left out."""
    rendered = (_MANAGER_PANELS[name](request) for name in sorted(_MANAGER_PANELS))
    return [html for html in rendered if html]


def commander_panel(name: str) -> Callable[[Panel], Panel]:
    def register(panel: Panel) -> Panel:
        _COMMANDER_PANELS[name] = panel
        return panel

    return register


def commander_panels(request: HttpRequest) -> list[str]:
    """Every registered commander card's HTML, in name order, empty ones left out."""
    rendered = (_COMMANDER_PANELS[name](request) for name in sorted(_COMMANDER_PANELS))
    return [html for html in rendered if html]
