"""Every text of the dashboard's interface in Swedish and English, and number formatting.

Texts are data: `TEXTS[lang][key]`, with `str.format` fields. Swedish numbers use
a narrow no-break space as thousands separator and a decimal comma ("1 234,5");
English ones a comma and a point ("1,234.5").
"""

from __future__ import annotations

import math
from typing import Any

LANGS = ("sv", "en")
DEFAULT_LANG = "sv"
THIN_SPACE = "\u202f"  # narrow no-break space, the Swedish thousands separator on screen
PLOTLY_SEPARATORS = {"sv": ", ", "en": ".,"}  # decimal then thousands, as plotly's layout.separators

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "app_title": "Nyckeltal Södertörn",
        "app_subtitle": "Nyckeltal för de åtta Södertörnskommunerna",
        "nav_overview": "Översikt",
        "nav_compare": "Jämför",
        "nav_about": "Om data",
        "lang_switch": "English",
        "lang_switch_title": "Switch to English",
        "data_updated": "Data uppdaterad {date}",
        "data_unavailable": "Data saknas",
        "page_overview": "Översikt",
        "page_compare": "Jämför kommuner",
        "page_about": "Om data",
        # overview
        "ov_intro": "Senaste värden för Södertörn och varje kommun. Varje tal visas med sitt år och sin källa.",
        "ov_population": "Folkmängd",
        "ov_change": "Förändring",
        "ov_growth": "Tillväxt",
        "ov_growth_vs": "Län {county} · Riket {country}",
        "ov_net_commuting": "Nettopendling",
        "ov_tax": "Skattesats",
        "ov_year_source": "{year} · {source}",
        "ov_missing": "saknas",
        "ov_summary": "{name} växte med {growth} under {year}, plats {rank} av 8 bland Södertörnskommunerna, {relation} Stockholms län ({county}).",
        "ov_summary_shrink": "{name} minskade med {growth} under {year}, plats {rank} av 8 bland Södertörnskommunerna, {relation} Stockholms län ({county}).",
        "ov_above": "snabbare än",
        "ov_below": "långsammare än",
        "ov_same": "i takt med",
        "ov_summary_none": "{name}: ingen tillväxtsiffra för {year}.",
        "ov_open_compare": "Jämför i diagram",
        "ov_aggregate": "Summa av de åtta kommunerna",
        # compare
        "cmp_indicator": "Nyckeltal",
        "cmp_regions": "Kommuner",
        "cmp_pick_sodertorn": "Södertörn",
        "cmp_pick_all": "Alla åtta",
        "cmp_pick_none": "Inga",
        "cmp_sodertorn_series": "Södertörn (sammanvägt)",
        "cmp_reference": "Jämförelse",
        "cmp_mode": "Visa som",
        "mode_value": "Värde",
        "mode_per1000": "Per 1 000 invånare",
        "mode_index": "Index (basår = 100)",
        "mode_change": "Årlig förändring, %",
        "cmp_base": "Basår",
        "cmp_sex": "Kön",
        "sex_T": "Totalt",
        "sex_K": "Kvinnor",
        "sex_M": "Män",
        "cmp_years": "År",
        "cmp_rank_year": "Rangordning för år",
        "cmp_ts_title": "{indicator}, {unit}",
        "cmp_rank_title": "Rangordning {year} bland de åtta kommunerna",
        "cmp_rank_text": "{rank} av 8",
        "cmp_rank_missing": "saknas",
        "cmp_table_title": "Tabell: samma tal som i diagrammet",
        "cmp_col_region": "Område",
        "cmp_col_year": "År",
        "cmp_col_value": "Värde",
        "cmp_col_status": "Status",
        "cmp_col_source": "Källa",
        "cmp_notes": "Om nyckeltalet",
        "cmp_breaks": "Serieavbrott",
        "cmp_missing_explained": "Saknade värden visas som luckor, aldrig som noll: {items}.",
        "cmp_not_aggregable": "Södertörn kan inte räknas fram för detta nyckeltal: {reason}",
        "cmp_no_regions": "Välj minst en kommun eller jämförelse för att visa ett diagram.",
        "cmp_no_data": "Inga värden för detta urval.",
        "cmp_downloads": "Ladda ner det som visas",
        "dl_csv_sv": "CSV för svenska Excel",
        "dl_csv": "CSV (komma, punkt)",
        "dl_xlsx": "Excel (XLSX)",
        "cmp_share": "Länk till denna vy",
        "notice_invalid": "Ogiltigt värde för ”{param}” ({value}); standardvärdet används.",
        "notice_query": "Urvalet kunde inte visas: {message}",
        "axis_year": "År",
        "status_ok": "ok",
        "status_computed": "beräknad",
        "status_missing": "saknas",
        # about
        "ab_intro": "Definitioner, källor och licenser för alla nyckeltal i tjänsten.",
        "ab_dataset": "Datamängd version {version}, publicerad {published} (ursprung: {origin}).",
        "ab_indicator": "Nyckeltal",
        "ab_definition": "Definition",
        "ab_sources": "Källor (tabell/KPI)",
        "ab_licence": "Licens",
        "ab_coverage": "Täckning",
        "ab_coverage_text": "{first}–{last}, {n} områden",
        "ab_no_data": "inga värden i nuvarande datamängd",
        "ab_retrieved": "Senast hämtad",
        "ab_aggregation": "Södertörn",
        "agg_sum": "summa av kommunerna",
        "agg_weighted_mean": "medelvärde vägt med {weight}",
        "agg_none": "beräknas inte: {reason}",
        "ab_runs": "Senaste körningar",
        "ab_no_runs": "Inga körningar registrerade (datamängden kommer från den medföljande ögonblicksbilden).",
        "ab_run_started": "Start",
        "ab_run_trigger": "Utlöst av",
        "ab_run_status": "Status",
        "ab_run_version": "Version",
        "ab_licences": "Licenser",
        "ab_licence_scb": "SCB: CC0 1.0 (fri användning)",
        "ab_licence_kolada": "Kolada (RKA): CC BY 4.0, ange källan",
        "ab_licence_published": "Publicerade tal: se respektive källa (länk per värde)",
        "ab_published_links": "Publicerade källor",
        "ab_notes": "Anmärkningar",
        # downloads
        "dl_title": "{indicator} ({unit})",
        "dl_unit": "Enhet: {unit}",
        "dl_licence": "Licens: {licence}",
        "dl_link": "Länk: {link}",
        "dl_about_title": "Titel",
        "dl_about_unit": "Enhet",
        "dl_about_licence": "Licens",
        "dl_about_link": "Länk",
        "dl_about_mode": "Visning",
    },
    "en": {
        "app_title": "Key figures Södertörn",
        "app_subtitle": "Key figures for the eight Södertörn municipalities",
        "nav_overview": "Overview",
        "nav_compare": "Compare",
        "nav_about": "About the data",
        "lang_switch": "Svenska",
        "lang_switch_title": "Byt till svenska",
        "data_updated": "Data updated {date}",
        "data_unavailable": "No data",
        "page_overview": "Overview",
        "page_compare": "Compare municipalities",
        "page_about": "About the data",
        "ov_intro": "Latest figures for Södertörn and each municipality. Every figure is shown with its year and source.",
        "ov_population": "Population",
        "ov_change": "Change",
        "ov_growth": "Growth",
        "ov_growth_vs": "County {county} · Sweden {country}",
        "ov_net_commuting": "Net commuting",
        "ov_tax": "Tax rate",
        "ov_year_source": "{year} · {source}",
        "ov_missing": "missing",
        "ov_summary": "{name} grew by {growth} in {year}, rank {rank} of 8 among the Södertörn municipalities, {relation} Stockholm County ({county}).",
        "ov_summary_shrink": "{name} shrank by {growth} in {year}, rank {rank} of 8 among the Södertörn municipalities, {relation} Stockholm County ({county}).",
        "ov_above": "faster than",
        "ov_below": "slower than",
        "ov_same": "in step with",
        "ov_summary_none": "{name}: no growth figure for {year}.",
        "ov_open_compare": "Compare in a chart",
        "ov_aggregate": "Sum of the eight municipalities",
        "cmp_indicator": "Key figure",
        "cmp_regions": "Municipalities",
        "cmp_pick_sodertorn": "Södertörn",
        "cmp_pick_all": "All eight",
        "cmp_pick_none": "None",
        "cmp_sodertorn_series": "Södertörn (aggregate)",
        "cmp_reference": "Reference",
        "cmp_mode": "Show as",
        "mode_value": "Value",
        "mode_per1000": "Per 1,000 inhabitants",
        "mode_index": "Index (base year = 100)",
        "mode_change": "Annual change, %",
        "cmp_base": "Base year",
        "cmp_sex": "Sex",
        "sex_T": "Total",
        "sex_K": "Women",
        "sex_M": "Men",
        "cmp_years": "Years",
        "cmp_rank_year": "Ranking for year",
        "cmp_ts_title": "{indicator}, {unit}",
        "cmp_rank_title": "Ranking {year} among the eight municipalities",
        "cmp_rank_text": "{rank} of 8",
        "cmp_rank_missing": "missing",
        "cmp_table_title": "Table: the same figures as in the chart",
        "cmp_col_region": "Area",
        "cmp_col_year": "Year",
        "cmp_col_value": "Value",
        "cmp_col_status": "Status",
        "cmp_col_source": "Source",
        "cmp_notes": "About this key figure",
        "cmp_breaks": "Series breaks",
        "cmp_missing_explained": "Missing values are shown as gaps, never as zero: {items}.",
        "cmp_not_aggregable": "Södertörn cannot be computed for this key figure: {reason}",
        "cmp_no_regions": "Select at least one municipality or reference to show a chart.",
        "cmp_no_data": "No values for this selection.",
        "cmp_downloads": "Download what is shown",
        "dl_csv_sv": "CSV for Swedish Excel",
        "dl_csv": "CSV (comma, point)",
        "dl_xlsx": "Excel (XLSX)",
        "cmp_share": "Link to this view",
        "notice_invalid": "Invalid value for “{param}” ({value}); the default is used.",
        "notice_query": "The selection could not be shown: {message}",
        "axis_year": "Year",
        "status_ok": "ok",
        "status_computed": "computed",
        "status_missing": "missing",
        "ab_intro": "Definitions, sources and licences for every key figure in the service.",
        "ab_dataset": "Dataset version {version}, published {published} (origin: {origin}).",
        "ab_indicator": "Key figure",
        "ab_definition": "Definition",
        "ab_sources": "Sources (table/KPI)",
        "ab_licence": "Licence",
        "ab_coverage": "Coverage",
        "ab_coverage_text": "{first}–{last}, {n} areas",
        "ab_no_data": "no values in the current dataset",
        "ab_retrieved": "Last retrieved",
        "ab_aggregation": "Södertörn",
        "agg_sum": "sum of the municipalities",
        "agg_weighted_mean": "mean weighted by {weight}",
        "agg_none": "not computed: {reason}",
        "ab_runs": "Recent runs",
        "ab_no_runs": "No runs recorded (the dataset comes from the bundled snapshot).",
        "ab_run_started": "Started",
        "ab_run_trigger": "Trigger",
        "ab_run_status": "Status",
        "ab_run_version": "Version",
        "ab_licences": "Licences",
        "ab_licence_scb": "SCB: CC0 1.0 (free to use)",
        "ab_licence_kolada": "Kolada (RKA): CC BY 4.0, credit the source",
        "ab_licence_published": "Published figures: see each source (link per value)",
        "ab_published_links": "Published sources",
        "ab_notes": "Notes",
        "dl_title": "{indicator} ({unit})",
        "dl_unit": "Unit: {unit}",
        "dl_licence": "Licence: {licence}",
        "dl_link": "Link: {link}",
        "dl_about_title": "Title",
        "dl_about_unit": "Unit",
        "dl_about_licence": "Licence",
        "dl_about_link": "Link",
        "dl_about_mode": "Shown as",
    },
}


def norm_lang(lang: Any) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fields: Any) -> str:
    """The text `key` in `lang`, with `fields` filled in."""
    text = TEXTS[norm_lang(lang)][key]
    return text.format(**fields) if fields else text


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return str(value) in ("<NA>", "nan")


def fmt_number(value: Any, decimals: int = 0, lang: str = DEFAULT_LANG, sign: bool = False, missing: str = "–") -> str:
    """1234.5 -> '1 234,5' (sv, narrow no-break space) or '1,234.5' (en); missing -> '–'."""
    if is_missing(value):
        return missing
    number = float(value)
    text = f"{number:{'+' if sign else ''},.{decimals}f}"
    if text.lstrip("+-").strip("0.,") == "" and text.startswith("-"):
        text = text[1:]  # no "-0"
    if norm_lang(lang) == "sv":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", THIN_SPACE).replace("-", "\u2212")
    return text


def fmt_percent(value: Any, decimals: int = 1, lang: str = DEFAULT_LANG, sign: bool = False) -> str:
    if is_missing(value):
        return "–"
    return fmt_number(value, decimals, lang, sign) + ("\u00a0%" if norm_lang(lang) == "sv" else "%")


def fmt_date(iso: str | None, lang: str = DEFAULT_LANG) -> str:
    """'2026-11-27T02:50:03Z' -> '2026-11-27' (ISO dates read the same in both languages)."""
    if not iso:
        return t("data_unavailable", lang)
    return str(iso)[:10]
