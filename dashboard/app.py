"""create_app(): the Dash app with its pages, header and the URL bookkeeping.

The layout Dash's renderer fetches (/_dash-layout) already holds the page being opened (see
`page_container`): the first chart is drawn without waiting for the page-routing callback.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dash
import flask
from dash import Input, Output, State, dcc, html

from dashboard import asset_guard, callback_guard, data, deadline, page_kit
from dashboard.api import bp as api_blueprint
from dashboard.components import header_children
from dashboard.early_fetch import csp_hash, early_fetch_script
from dashboard.health import register_health
from dashboard.i18n import fmt_date, t
from dashboard.security import harden
from dashboard.serving import install as install_serving
from dashboard.state import lang_of

ASSETS = Path(__file__).resolve().parent.parent / "assets"
LOG = logging.getLogger(__name__)
# dcc's lazily loaded chunks of the graph and the dropdown (14 KB compressed), loaded as ordinary scripts with
# the page instead of being fetched only after the first render (one round trip less before the first chart)
EAGER_CHUNKS = ("_dash-component-suites/dash/dcc/async-dropdown.js", "_dash-component-suites/dash/dcc/async-graph.js")
MAX_REFERRER_CHARS = 4096
# Scripts Dash puts on every page that the dashboard does not need (see arrange_scripts):
# - @babel/polyfill (core-js 2 + regenerator): every browser Dash 4 runs in has these features, but core-js still
#   replaces some built-ins with slower ones (String.prototype.trim, used all over plotly.js) and takes ~0.1 s to
#   evaluate. Only the global regeneratorRuntime is used (dcc's lazy loading): assets/regenerator-runtime-*.js.
# - dash_table's bundle: no page uses dash_table (tables are html tables, see assets/a11y.js).
# plotly.js's scatter-and-bar bundle and assets/plotly-loader.js (see arrange_scripts)
PLOTLY_TAG = re.compile(r'<script src="[^"]*/assets/plotly-(?:scatter-bar-[^"/]*|loader\.js[^"/]*)"></script>\n?')
PLOTLY_BUNDLE_SRC = re.compile(r'<script src="([^"]*/assets/plotly-scatter-bar-[^"]*)"></script>')
UNUSED_SCRIPT_TAG = re.compile(r'<script src="[^"]*/(deps/polyfill@|dash_table/bundle\.)[^"]*"></script>\n?')


def opened_page() -> tuple[str, str] | None:
    """(path, query string) of the page whose renderer asks for /_dash-layout: the request's Referer,
    same host only; None when there is none (then the routing callback fills the page as usual)."""
    if not flask.has_request_context():
        return None
    referrer = flask.request.headers.get("Referer") or ""
    if not referrer or len(referrer) > MAX_REFERRER_CHARS:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != flask.request.host:
        return None
    return parts.path or "/", f"?{parts.query}" if parts.query else ""


def page_container(app: dash.Dash, opened: tuple[str, str] | None) -> Any:
    """dash.page_container, holding the page being opened (`opened_page()`) when it is known (its layout
    function called exactly as Dash's routing callback calls it, with its Location already at that URL, so
    the routing callback does not run again for it)."""
    if opened is None:
        return dash.page_container
    path, search = opened
    try:
        page = page_kit.find_page(app.strip_relative_path(path) or "")
        if not page:
            return dash.page_container
        layout, title = page.get("layout", ""), page["title"]
        if callable(layout):
            layout = layout(**{**page_kit.query_params(search), "written": None})
        if callable(title):
            title = title()
    except Exception:  # the routing callback renders it (and shows its error) as before
        LOG.exception("could not render %s%s into the initial layout", path, search)
        return dash.page_container
    if layout is dash.no_update:
        return dash.page_container
    return html.Div(
        [
            dcc.Location(id="_pages_location", refresh="callback-nav", pathname=path, search=search),
            html.Div(layout, id="_pages_content", disable_n_clicks=True),
            dcc.Store(id="_pages_store", data={"title": title}),
            html.Div(id="_pages_dummy", disable_n_clicks=True),
        ]
    )


def arrange_scripts(html: str) -> tuple[str, str]:
    """(the page's script tags, a <link> for <head>): the tags without the ones UNUSED_SCRIPT_TAG matches, and
    plotly.js's scatter-and-bar bundle with its loader moved last, asked for first by a preload link.

    plotly.js is the largest script (~1 MB, ~0.15-0.3 s to run, ~0.2 s to parse, off the main thread): asked for
    first, it is fetched and parsed while the main thread runs React, Dash's renderer and dcc, instead of the
    main thread waiting for its parse. Scripts run in order, so it has run before any chart is drawn."""
    html = UNUSED_SCRIPT_TAG.sub("", html)
    plotly = PLOTLY_TAG.findall(html)
    if not plotly:
        return html, ""
    plotly.sort(key=lambda tag: "plotly-loader.js" in tag)  # the bundle, then the loader that wraps it
    html = PLOTLY_TAG.sub("", html) + "\n" + "".join(tag.strip() + "\n" for tag in plotly)
    bundle = PLOTLY_BUNDLE_SRC.search(html)
    preload = f'<link rel="preload" href="{bundle.group(1)}" as="script">\n' if bundle else ""
    return html, preload


def arrange_page(app: dash.Dash, head_scripts: tuple[str, ...] = ()) -> None:
    """Every page's HTML with its scripts as arrange_scripts() leaves them, and `head_scripts` inline first in
    <head> (Dash's documented override point, interpolate_index)."""
    interpolate = app.interpolate_index
    first_in_head = "".join(f"\n        <script>{script}</script>" for script in head_scripts)

    def interpolate_arranged(**parts: str) -> str:
        scripts, preload = arrange_scripts(parts.get("scripts", ""))
        page = interpolate(**{**parts, "scripts": scripts, "css": preload + parts.get("css", "")})
        if first_in_head:
            if "<head>" not in page:
                raise ValueError("the page has no <head> for its inline scripts (see arrange_page)")
            page = page.replace("<head>", "<head>" + first_in_head, 1)
        return page

    app.interpolate_index = interpolate_arranged  # type: ignore[method-assign]


def create_app(database_url: str | None = None) -> dash.Dash:
    """The dashboard, reading the store at `database_url` (default: NYCKELTAL_DATABASE_URL)."""
    data.configure(database_url)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        title=t("app_title", "sv"),
        suppress_callback_exceptions=True,
        external_scripts=[f"/{chunk}" for chunk in EAGER_CHUNKS],
        # the page layout functions see what /jamfor last wrote into the URL, so a
        # control change that only rewrites the query string does not re-render the page
        routing_callback_inputs={"written": State("url-written", "data")},
    )
    page_kit.install(app)  # every page module of dashboard/pages (dashboard.page_kit)
    register_health(app.server, data.source)
    app.server.register_blueprint(api_blueprint)

    def header_for(pathname: str | None, search: str | None) -> list[str]:
        """What the header shows for a URL: language, path, query string, data date."""
        lang = lang_of(search)
        state = data.source().state()
        return [lang, pathname or "/", search or "", fmt_date(state.published_at if state else None, lang)]

    def layout() -> Any:
        # the header of the page being opened (its language, its active link), so it need not change on load
        opened = opened_page()
        shown = header_for(*(opened or ("/", "")))
        return html.Div(
            [
                # "callback-nav": a URL written by a callback is announced to dash.page_container's Location
                # too, so back/forward re-render the page (the page skips re-rendering what it just wrote)
                dcc.Location(id="url", refresh="callback-nav"),
                dcc.Store(id="url-written", data=None),
                dcc.Store(id="site-header-for", data=shown),
                html.Header(header_children(*shown), id="site-header", className="site-header"),
                html.Main(
                    page_container(app, opened), className="page", id="content", tabIndex="-1"
                ),  # skip-link target
            ],
            className="app",
        )

    app.layout = layout

    @app.callback(
        Output("site-header", "children"),
        Output("site-header-for", "data"),
        Input("url", "pathname"),
        Input("url", "search"),
        State("site-header-for", "data"),
    )
    def update_header(pathname: str | None, search: str | None, shown: list | None) -> tuple:
        wanted = header_for(pathname, search)
        if wanted == shown:  # e.g. on load: the layout already holds this page's header
            return dash.no_update, dash.no_update
        return header_children(*wanted), wanted

    # leaving /jamfor forgets what it wrote, so coming back (e.g. with the back button) renders it again
    app.clientside_callback(
        """function(pathname) {
            return pathname === '/jamfor' ? window.dash_clientside.no_update : null;
        }""",
        Output("url-written", "data", allow_duplicate=True),
        Input("url", "pathname"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        """function(pathname, search) {
            var lang = new URLSearchParams(search || '').get('lang');
            document.documentElement.lang = (lang === 'en') ? 'en' : 'sv';
            return window.dash_clientside.no_update;
        }""",
        Output("site-header", "title"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    early_fetch = early_fetch_script(app.config.requests_pathname_prefix)  # the layout asked for while scripts load
    arrange_page(app, head_scripts=(early_fetch,))
    callback_guard.install(app)  # every callback request has the shape of its callback, else 400
    asset_guard.install(app)  # component-suite URLs: registered component assets only, else 404
    deadline.install(app)  # the per-request time limit (gunicorn.conf.py) ends once the answer is built
    install_serving(app)  # static files compressed once, cache headers (dashboard/serving.py)
    return harden(app, [csp_hash(early_fetch)])  # last: CSP hashes cover every inline script declared above
