"""/nyckeltal (Södertörns nyckeltal): the eight side by side on every declared key figure, one table per theme.

Which figures, in which order, is data (etl/keyfigures.yaml); the table is built by
etl.keyfigures_table from etl.query.query, the function behind every chart, table and download.
URL: `sort` (one of the eight: rows ordered by its rank within each theme), `dir` (asc | desc), `lang`.
Sorting is a link in each municipality's column header, so the URL holds the state and the keyboard
works as for any link. The downloads (Swedish-Excel CSV, XLSX, PDF) are plain links to
/nyckeltal/download/<format> with the same query string: the whole table, from the same KeyTable.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import flask
from dash import Input, Output, dcc, html

from dashboard import data
from dashboard.i18n import fmt_date, t
from dashboard.keyfigures_cells import (
    change_text,
    column_name,
    export_frame,
    mark,
    pdf_blocks,
    rank_text,
    value_text,
)
from dashboard.keyfigures_pdf import render_pdf
from dashboard.page_kit import Page
from dashboard.page_params import Param, notice_block, parse_params, strip_private
from etl.exporters import swedish_excel_csv, xlsx_bytes
from etl.keyfigures import load_keyfigures
from etl.keyfigures_table import GROUP, KeyTable, Row, build_table, sort_rows
from etl.query import Dataset

PATH = "/nyckeltal"
DOWNLOAD_PATH = "/nyckeltal/download/<fmt>"
PAGE = Page(
    __name__,
    path=PATH,
    name="Nyckeltal",
    title="Södertörns nyckeltal – Nyckeltal Södertörn",
    nav="nav_keyfigures",
    order=2,
)
FILE_STEM = "sodertorns_nyckeltal"
DIRS = ("asc", "desc")
_TABLES: dict[tuple, KeyTable] = {}


# ---------------------------------------------------------------- the table (remembered per dataset version)
def key_table(dataset: Dataset, lang: str) -> KeyTable:
    """The whole table for the published dataset in `lang`, built once per dataset version."""
    key = (id(dataset), dataset.version, lang)
    hit = _TABLES.get(key)
    if hit is None:
        if _TABLES and next(iter(_TABLES))[:2] != key[:2]:
            _TABLES.clear()
        hit = _TABLES[key] = build_table(dataset, load_keyfigures(), data.fetched_indicators(), lang)
    return hit


def spec(dataset: Dataset) -> Any:
    members = list(dataset.regions.groups[GROUP].members)

    def params(_chosen: dict[str, str]) -> list[Param]:
        return [Param("sort", ["", *members], ""), Param("dir", list(DIRS), "asc")]

    return params


# ---------------------------------------------------------------- layout
def sort_href(params: dict[str, str], code: str) -> str:
    """The link of a column header: sort by `code`, best rank first; again: worst first; a third time: off."""
    if params["sort"] != code:
        chosen = {"sort": code, "dir": "asc"}
    elif params["dir"] == "asc":
        chosen = {"sort": code, "dir": "desc"}
    else:
        chosen = {}
    return f"{PATH}?{urlencode({**chosen, 'lang': params['lang']})}"


def compare_href(row: Row, lang: str) -> str:
    query = {"indicator": row.figure.indicator, "sex": row.figure.sex}
    if row.figure.mode != "value":
        query["mode"] = row.figure.mode
    return f"/jamfor?{urlencode({**query, 'lang': lang})}"


def header_cell(dataset: Dataset, code: str, params: dict[str, str], members: tuple[str, ...]) -> html.Th:
    lang = params["lang"]
    name = column_name(dataset, code, lang)
    extra: dict[str, Any] = {}
    if params["sort"] == code:
        extra["aria-sort"] = "ascending" if params["dir"] == "asc" else "descending"
    if code not in members:
        return html.Th(name, scope="col", className="kf-col kf-ref", **extra)
    arrow = {"asc": " ↑", "desc": " ↓"}.get(params["dir"]) if params["sort"] == code else ""
    link = dcc.Link(
        [name, html.Span(arrow, **{"aria-hidden": "true"})] if arrow else name,
        href=sort_href(params, code),
        title=t("kf_sort_by", lang, name=name),
        id=f"kf-sort-{code}",
        className="kf-sort",
    )
    return html.Th(link, scope="col", className="kf-col", **extra)


def body_cell(row: Row, code: str, lang: str) -> html.Td:
    cell = row.cells[code]
    if cell.value is None:
        # the short reason on screen; the catalog's full reason (why Södertörn is not computed) as its title
        # and for screen readers
        shown: list = [t(f"kf_{cell.reason or 'no_data'}", lang)]
        if cell.detail:
            shown.append(html.Span(f": {cell.detail}", className="sr-only"))
        return html.Td(
            html.Span(shown, className=f"kf-missing kf-{cell.reason}", title=cell.detail or None),
            className="kf-cell missing",
            **{"data-reason": cell.reason or ""},
        )
    parts: list = [html.Span(value_text(row, cell, lang), className="kf-value")]
    if cell.year is not None and cell.year != row.year:
        parts.append(html.Span(f" ({cell.year})", className="kf-year", title=t("kf_year_of", lang, year=cell.year)))
    meta: list = []
    if cell.rank is not None:
        meta.append(html.Span(rank_text(cell, lang), className="kf-rank"))
    change = change_text(row, cell, lang)
    if change:
        meta.append(html.Span(change, className="kf-change", title=t("kf_change", lang, change=change)))
    symbol, words, colour = mark(row, cell, lang)
    if symbol:
        meta.append(
            html.Span(
                [html.Span(symbol, **{"aria-hidden": "true"}), html.Span(words, className="sr-only")],
                className=f"kf-mark {colour}",
                title=words,
            )
        )
    if meta:
        parts.append(html.Div(meta, className="kf-meta"))
    return html.Td(parts, className="kf-cell num", **{"data-value": repr(cell.value), "data-year": str(cell.year)})


def row_cells(row: Row, columns: tuple[str, ...], lang: str) -> list:
    """The row's cells; a figure no refresh has fetched yet is one cell across all columns saying so."""
    if row.pending:
        return [
            html.Td(
                html.Span(t("kf_pending", lang), className="kf-missing kf-pending"),
                colSpan=len(columns),
                className="kf-cell missing kf-pending-row",
                **{"data-reason": "pending"},
            )
        ]
    return [body_cell(row, code, lang) for code in columns]


def row_header(row: Row, lang: str) -> html.Th:
    unit = row.unit + (f" · {t('kf_year_of', lang, year=row.year)}" if row.year else "")
    if row.figure.direction != "neutral":
        unit += f" · {t('kf_direction_' + row.figure.direction, lang)}"
    return html.Th(
        [
            dcc.Link(row.label, href=compare_href(row, lang), title=t("kf_open_compare", lang, label=row.label)),
            html.Div(unit, className="kf-unit"),
        ],
        scope="row",
        className="kf-figure",
    )


def theme_section(dataset: Dataset, table: KeyTable, block, params: dict[str, str], source: str) -> html.Section:
    """One theme's table; its footer (printed only) carries the source line, which the browser repeats
    on every page the table fills."""
    lang = params["lang"]
    rows = sort_rows(block.rows, params["sort"] or None, params["dir"] == "desc")
    head = html.Tr(
        [html.Th(t("kf_figure", lang), scope="col")]
        + [header_cell(dataset, code, params, table.members) for code in table.columns]
    )
    body = [
        html.Tr(
            [row_header(row, lang), *row_cells(row, table.columns, lang)],
            id=f"kf-row-{row.figure.key.replace('.', '-')}",
            **{"data-key": row.figure.key},
        )
        for row in rows
    ]
    heading_id = f"kf-theme-{block.theme}"
    return html.Section(
        [
            html.H2(block.title, id=heading_id),
            html.Div(
                html.Table(
                    [
                        html.Thead(head),
                        html.Tbody(body),
                        html.Tfoot(html.Tr(html.Td(source, colSpan=len(table.columns) + 1)), className="kf-print-foot"),
                    ],
                    className="data-table kf-table",
                    **{"aria-labelledby": heading_id},
                ),
                className="table-wrap kf-wrap",
                tabIndex="0",
                role="region",
                **{"aria-labelledby": heading_id},
            ),
        ],
        className="kf-theme",
        id=f"kf-section-{block.theme}",
    )


def source_line(lang: str) -> str:
    state = data.source().state()
    return t(
        "kf_source_line",
        lang,
        date=fmt_date(state.published_at if state else None, lang),
        version=state.version if state else "–",
    )


def layout(written: Any = None, **raw: Any) -> html.Div:
    dataset = data.dataset()
    params, notices = parse_params(strip_private(raw), spec(dataset))
    lang = params["lang"]
    table = key_table(dataset, lang)
    source = source_line(lang)
    search = urlencode({k: v for k, v in params.items() if v})
    if params["sort"]:
        order = t("kf_sort_asc" if params["dir"] == "asc" else "kf_sort_desc", lang)
        sort_state = [
            t("kf_sorted", lang, name=column_name(dataset, params["sort"], lang), order=order),
            " ",
            dcc.Link(t("kf_sort_reset", lang), href=f"{PATH}?lang={lang}", id="kf-sort-reset"),
        ]
    else:
        sort_state = [t("kf_sort_none", lang)]
    downloads = [
        html.A(t(label, lang), href=f"{PATH}/download/{fmt}?{search}", className="btn", id=f"kf-dl-{fmt}", download="")
        for fmt, label in (("csv_sv", "dl_csv_sv"), ("xlsx", "dl_xlsx"), ("pdf", "kf_dl_pdf"))
    ]
    return html.Div(
        [
            html.H1(t("page_keyfigures", lang)),
            html.P(t("kf_intro", lang), className="lead"),
            html.Div(notice_block(notices, lang), id="kf-notice"),
            html.Div(
                [
                    html.H2(t("kf_downloads", lang), className="kf-actions-title"),
                    *downloads,
                    html.Button(t("kf_print", lang), id="kf-print", className="btn"),
                ],
                className="kf-actions downloads",
            ),
            html.P(sort_state, id="kf-sort-state", className="note", **{"aria-live": "polite"}),
            html.P(source, className="kf-source", id="kf-source"),
            *[theme_section(dataset, table, block, params, source) for block in table.blocks],
        ],
        className="nyckeltal",
    )


def download(fmt: str) -> flask.Response:
    """The whole table as `fmt` (csv_sv | xlsx | pdf), for the query string's language and order."""
    if fmt not in ("csv_sv", "xlsx", "pdf"):
        flask.abort(404)
    dataset = data.dataset()
    params, _ = parse_params(flask.request.args.to_dict(flat=True), spec(dataset))
    lang = params["lang"]
    table = key_table(dataset, lang)
    link = f"{flask.request.host_url.rstrip('/')}{PATH}?{urlencode({k: v for k, v in params.items() if v})}"
    about = [
        (t("dl_about_title", lang), t("page_keyfigures", lang)),
        (t("dl_about_unit", lang), t("dl_about_unit_per_row", lang)),
        (t("dl_about_licence", lang), source_line(lang)),
        (t("dl_about_link", lang), link),
    ]
    if fmt == "pdf":
        header = [t("kf_figure", lang), *[column_name(dataset, c, lang) for c in table.columns]]
        body = render_pdf(
            t("page_keyfigures", lang),
            source_line(lang),
            t("kf_pdf_page", lang),
            header,
            pdf_blocks(dataset, table, params),
        )
        mimetype, ext = "application/pdf", ".pdf"
    elif fmt == "xlsx":
        body = xlsx_bytes(export_frame(dataset, table), about, sheet="nyckeltal")
        mimetype, ext = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
    else:
        body = swedish_excel_csv(export_frame(dataset, table), [f"{k}: {v}" for k, v in about])
        mimetype, ext = "text/csv; charset=utf-8", ".csv"
    name = f"{FILE_STEM}_{lang}{ext}"
    return flask.Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


PAGE.route(DOWNLOAD_PATH, "nyckeltal_download", download)
PAGE.clientside_callback(
    """function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }""",
    Output("kf-print", "title"),
    Input("kf-print", "n_clicks"),
    prevent_initial_call=True,
)
