"""Reusable pieces of layout: the header, labelled controls, download buttons, tables."""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html

from dashboard.i18n import t
from dashboard.page_kit import nav as nav_pages
from dashboard.picker import MENU_HEIGHT, OPTION_HEIGHT
from dashboard.state import with_lang


def header_children(lang: str, pathname: str | None, search: str | None, updated: str) -> list:
    """Title, navigation (the pages that declare a label, keeping lang), the language switch (keeping the
    whole view) and the data date."""
    other = "en" if lang == "sv" else "sv"
    path = pathname or "/"
    nav = [
        dcc.Link(
            label,
            href=f"{href}?lang={lang}",
            className="nav-link" + (" active" if path == href else ""),
            id=link_id,
        )
        for href, label, link_id in nav_pages(lang)
    ]
    return [
        # first in the tab order: moves focus to <main id="content"> (assets/a11y.js)
        html.A(t("skip_to_content", lang), href="#content", className="skip-link", id="skip-link"),
        html.Div(
            [
                dcc.Link(t("app_title", lang), href=f"/?lang={lang}", className="brand"),
                html.Span(t("app_subtitle", lang), className="subtitle"),
            ],
            className="brand-block",
        ),
        html.Nav(nav, className="nav", **{"aria-label": t("nav_label", lang)}),
        html.Div(
            [
                html.Span(t("data_updated", lang, date=updated), id="data-updated", className="updated"),
                dcc.Link(
                    html.Span(t("lang_switch", lang), lang=other),  # the other language's name, marked as such
                    href=path + with_lang(search, other),
                    id="lang-switch",
                    className="lang-switch",
                    title=t("lang_switch_title", lang),
                ),
            ],
            className="header-right",
        ),
    ]


def field(label: str, control, field_id: str | None = None, class_name: str = "field") -> html.Div:
    extra = {"id": field_id} if field_id else {}
    return html.Div([html.Label(label, className="field-label"), control], className=class_name, **extra)


def dropdown_field(label: str, control_id: str, options: list, value: object, **extra: object) -> html.Div:
    """A labelled dropdown that always has a value (not clearable)."""
    return field(label, dcc.Dropdown(id=control_id, options=options, value=value, clearable=False, **extra))


def indicator_picker(control_id: str, options: list, value: str, lang: str, **extra: object) -> html.Div:
    """The indicator dropdown (grouped by theme, dashboard.picker) in its wide labelled field."""
    dropdown = dcc.Dropdown(
        id=control_id,
        options=options,
        value=value,
        clearable=False,
        **extra,
        search_order="original",  # matches stay under their theme
        optionHeight=OPTION_HEIGHT,
        maxHeight=MENU_HEIGHT,
        className="indicator-picker",
    )
    return field(t("cmp_indicator", lang), dropdown, class_name="field wide")


def download_buttons(lang: str) -> html.Div:
    return html.Div(
        [
            html.H3(t("cmp_downloads", lang)),
            html.Button(t("dl_csv_sv", lang), id="dl-csv-sv", className="btn"),
            html.Button(t("dl_csv", lang), id="dl-csv", className="btn"),
            html.Button(t("dl_xlsx", lang), id="dl-xlsx", className="btn"),
            dcc.Download(id="download"),
        ],
        className="downloads",
    )


def simple_table(
    columns: Sequence[str], rows: Sequence[Sequence], table_id: str | None = None, numeric: Sequence[int] = ()
) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(c) for c in columns])),
            html.Tbody(
                [
                    html.Tr([html.Td(v, className="num" if i in numeric else None) for i, v in enumerate(row)])
                    for row in rows
                ]
            ),
        ],
        className="data-table",
        **({"id": table_id} if table_id else {}),
    )
