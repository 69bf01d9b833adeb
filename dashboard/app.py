"""create_app(): the Dash app with its pages, header and the URL bookkeeping."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html

from dashboard import data
from dashboard.api import bp as api_blueprint
from dashboard.components import header_children
from dashboard.health import register_health
from dashboard.i18n import fmt_date, t
from dashboard.pages import befolkning, jamfor, karta, om, oversikt, pendling, tillganglighet
from dashboard.security import harden
from dashboard.serving import install as install_serving
from dashboard.state import lang_of

ASSETS = Path(__file__).resolve().parent.parent / "assets"


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
        # the page layout functions see what /jamfor last wrote into the URL, so a
        # control change that only rewrites the query string does not re-render the page
        routing_callback_inputs={"written": State("url-written", "data")},
    )
    for page in (oversikt, jamfor, karta, pendling, befolkning, om, tillganglighet):
        page.register(app)
    register_health(app.server, data.source)
    app.server.register_blueprint(api_blueprint)
    app.layout = html.Div(
        [
            # "callback-nav": a URL written by a callback is announced to dash.page_container's Location
            # too, so back/forward re-render the page (the page skips re-rendering what it just wrote)
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Store(id="url-written", data=None),
            html.Header(header_children("sv", "/", "", ""), id="site-header", className="site-header"),
            html.Main(dash.page_container, className="page", id="content", tabIndex="-1"),  # skip-link target
        ],
        className="app",
    )

    @app.callback(Output("site-header", "children"), Input("url", "pathname"), Input("url", "search"))
    def update_header(pathname: str | None, search: str | None) -> list:
        lang = lang_of(search)
        state = data.source().state()
        return header_children(lang, pathname, search, fmt_date(state.published_at if state else None, lang))

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
    install_serving(app)  # static files compressed once, cache headers (dashboard/serving.py)
    return harden(app)  # last: CSP hashes cover every inline script declared above
