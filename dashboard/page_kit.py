"""The page kit: a page is one module under dashboard/pages/ that declares itself with `Page(...)`.

A page module holds, at module level: `PAGE = Page(__name__, path=..., title=..., nav=..., order=...)`
(`nav`: its navigation label, by language {"sv": ..., "en": ...} or as a dashboard.i18n key),
`layout(written=None, **query)` and its callbacks, declared with `@PAGE.callback(...)` (and
`PAGE.clientside_callback(...)`, `PAGE.route(...)`). `install(app)` finds every page module of
PAGE_PACKAGES, registers it with `dash.register_page` and attaches its callbacks and routes to `app`
(declared once, attached to every app made in the process: tests make many). The navigation is read
from `dash.page_registry` (`nav()`), so a new page is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import dash
from dash import Input, Output

from dashboard import callback_guard
from dashboard.i18n import LANGS, t

PAGE_PACKAGES = ["dashboard.pages"]  # the packages whose modules are searched for pages
# The URL writer: the page's parameter store {search, params} into the address bar (a new history entry,
# so back/forward work), and what was written into `url-written` (the page then skips re-rendering it).
URL_WRITER_JS = """function(p) {
            var nu = window.dash_clientside.no_update;
            if (!p) { return [nu, nu]; }
            if (window.location.search === p.search) { return [nu, p.params]; }
            return [p.search, p.params];
        }"""
_DECLARED: dict[str, Page] = {}  # module name -> its page, in declaration (import) order


@dataclass
class Page:
    """One page: where it lives, its title, its place in the navigation and what it attaches to an app."""

    module: str
    path: str
    name: str
    title: str
    # its navigation label: by language ({"sv": ..., "en": ...}) or a dashboard.i18n key; None: not in the navigation
    nav: str | Mapping[str, str] | None = None
    order: int | None = None  # its place in dash.page_registry and the navigation
    # callback outputs ("id.prop") whose answers depend only on the request, the dataset and the host, so
    # dashboard.answer_cache may keep them; `live`: its layout reads more than the dataset version (never kept)
    cacheable: tuple[str, ...] = ()
    live: bool = False
    # the type each control property its server callbacks read takes ("id.prop" -> a callback_guard check)
    property_types: Mapping[str, callback_guard.Check] = field(default_factory=dict)
    # (function or clientside script, args, kwargs), attached in declaration order
    callbacks: list[tuple[Callable | str, tuple, dict]] = field(default_factory=list, repr=False)
    routes: list[tuple[str, str, Callable]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.nav, Mapping) and set(self.nav) != set(LANGS):
            raise ValueError(f"page {self.path}: nav labels must be given in exactly {', '.join(LANGS)}")
        _DECLARED[self.module] = self

    def callback(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        """`app.callback(*args, **kwargs)` for every app the page is installed in; returns the function."""

        def declare(func: Callable) -> Callable:
            self.callbacks.append((func, args, kwargs))
            return func

        return declare

    def clientside_callback(self, script: str, *args: Any, **kwargs: Any) -> None:
        """`app.clientside_callback(script, *args, **kwargs)` for every app the page is installed in."""
        self.callbacks.append((script, args, kwargs))

    def route(self, rule: str, endpoint: str, view: Callable) -> None:
        """A plain Flask route of the page (e.g. its file downloads)."""
        self.routes.append((rule, endpoint, view))

    def url_writer(self, store_id: str, first: bool = False) -> None:
        """Write the store `store_id` ({search, params}) into the address bar. `first`: the page's own
        Location output (it also runs on the first view); else a duplicate output, after the first view."""
        if first:
            self.clientside_callback(
                URL_WRITER_JS, Output("url", "search"), Output("url-written", "data"), Input(store_id, "data")
            )
            return
        self.clientside_callback(
            URL_WRITER_JS,
            Output("url", "search", allow_duplicate=True),
            Output("url-written", "data", allow_duplicate=True),
            Input(store_id, "data"),
            prevent_initial_call=True,
        )

    def install(self, app: dash.Dash, layout: Any) -> None:
        for key, check in self.property_types.items():  # each property typed once, by one page or the app
            if callback_guard.PROPERTY_TYPES.setdefault(key, check) is not check:
                raise ValueError(f"page {self.path}: the type of {key} is declared already (ids are the page's own)")
        dash.register_page(
            self.module,
            path=self.path,
            name=self.name,
            title=self.title,
            layout=layout,
            order=self.order,
            nav=self.nav,
            nav_id=f"nav-{self.module.rsplit('.', 1)[-1]}",  # e.g. nav-jamfor
        )
        for func, args, kwargs in self.callbacks:
            if isinstance(func, str):
                app.clientside_callback(func, *args, **kwargs)
            else:
                app.callback(*args, **kwargs)(func)
        for rule, endpoint, view in self.routes:
            app.server.add_url_rule(rule, endpoint, view)


def declared() -> list[Page]:
    """Every page of PAGE_PACKAGES (their modules imported), by `order` (then declaration order)."""
    for package_name in PAGE_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, package_name + "."):
            importlib.import_module(info.name)
    prefixes = tuple(p + "." for p in PAGE_PACKAGES)
    pages = [page for module, page in _DECLARED.items() if module.startswith(prefixes)]
    return sorted(pages, key=lambda page: (page.order is None, page.order or 0))


def install(app: dash.Dash) -> None:
    """Register every declared page with Dash and attach its callbacks and routes to `app`."""
    for page in declared():
        page.install(app, sys.modules[page.module].layout)


def nav_label(nav: str | Mapping[str, str], lang: str) -> str:
    """A page's navigation label in `lang`: its own text in that language, or its i18n key's text."""
    return nav[lang] if isinstance(nav, Mapping) else t(nav, lang)


def nav(lang: str) -> list[tuple[str, str, str]]:
    """(path, label in `lang`, link id) of the pages in the navigation, in the registry's order."""
    return [(p["path"], nav_label(p["nav"], lang), p["nav_id"]) for p in dash.page_registry.values() if p.get("nav")]


def find_page(path: str) -> dict | None:
    """The registry entry of the page at `path` (Dash's routing: the path without its slashes), or None."""
    wanted = path.strip("/")
    return next((p for p in dash.page_registry.values() if p["path"].strip("/") == wanted), None)


def query_params(search: str | None) -> dict[str, Any]:
    """A query string as Dash's router hands it to `layout`: a parameter given once as a string, more
    often as a list of its values (blank values kept)."""
    if not search or not search.startswith("?"):
        return {}
    parsed = parse_qs(search[1:], keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}
