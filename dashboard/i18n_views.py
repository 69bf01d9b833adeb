"""Texts of issue 16's view aids (reference panel, opening year, picker coverage, source descriptions),
kept apart from dashboard.i18n's main table so that parallel work on it merges easily; i18n merges them in."""

from __future__ import annotations

VIEW_TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "ref_panel_label": "Referenser, egen skala",
        "ref_panel_note": (
            "{refs} är upp till {ratio} gånger större än de valda områdena och skulle trycka ihop dem till en "
            "platt linje; de visas därför i en egen panel med egen skala under diagrammet."
        ),
        "ref_switch_lead": "Jämför hellre:",
        "ref_switch_index": "som index ({base} = 100)",
        "ref_switch_per1000": "per 1 000 invånare",
        "pd_year_chosen": (
            "Visar {year}: det senaste året med pendlingsflöden för {name}. Nettopendling finns till {last}; "
            "välj ett annat år ovan."
        ),
        "pd_year_chosen_last": "Visar {year}: det senaste året med pendlingsflöden för {name}.",
        "pop_year_chosen": (
            "Visar {year}: det senaste året med åldersuppgifter för {name} (folkmängd finns till {last})."
        ),
        "picker_missing": "saknas offline",
        "picker_coverage": "{first}–{last}",
        "src_scb": "SCB, tabell {table} ({contents})",
        "src_kolada": "Kolada, nyckeltal {kpi}",
        "src_figures": "publicerade tal ({indicator})",
        "src_csv": "egen CSV-fil {path}",
        "src_county_sum": "beräknat: länet = summan av dess kommuner",
        "src_formula": "beräknat: {formula}",
        "source_SCB": "SCB",
        "source_Kolada": "Kolada",
        "source_published": "publicerat tal",
        "source_computed": "beräknat",
        "ref_county_sum": "summa av länets {n} kommuner ({ref})",
        "ref_table": "tabell",
        "ref_updated": "uppdaterad",
        "ref_report_year": "rapportår",
        "ref_source": "Källa",
        "dl_for_excel": "för Excel",
        "origin_snapshot": "medföljande ögonblicksbild",
        "origin_refresh": "uppdatering från källorna",
    },
    "en": {
        "ref_panel_label": "References, own scale",
        "ref_panel_note": (
            "{refs} are up to {ratio} times larger than the areas chosen and would squeeze them into a flat "
            "line; they are therefore shown in a panel of their own, with its own scale, under the chart."
        ),
        "ref_switch_lead": "Compare instead:",
        "ref_switch_index": "as an index ({base} = 100)",
        "ref_switch_per1000": "per 1,000 inhabitants",
        "pd_year_chosen": (
            "Showing {year}: the latest year with commuting flows for {name}. Net commuting exists up to {last}; "
            "choose another year above."
        ),
        "pd_year_chosen_last": "Showing {year}: the latest year with commuting flows for {name}.",
        "pop_year_chosen": "Showing {year}: the latest year with age data for {name} (population up to {last}).",
        "picker_missing": "missing offline",
        "picker_coverage": "{first}–{last}",
        "src_scb": "SCB, table {table} ({contents})",
        "src_kolada": "Kolada, KPI {kpi}",
        "src_figures": "published figures ({indicator})",
        "src_csv": "own CSV file {path}",
        "src_county_sum": "computed: county = sum of its municipalities",
        "src_formula": "computed: {formula}",
        "source_SCB": "SCB",
        "source_Kolada": "Kolada",
        "source_published": "published figure",
        "source_computed": "computed",
        "ref_county_sum": "sum of the county's {n} municipalities ({ref})",
        "ref_table": "table",
        "ref_updated": "updated",
        "ref_report_year": "report year",
        "ref_source": "Source",
        "dl_for_excel": "for Excel",
        "origin_snapshot": "bundled snapshot",
        "origin_refresh": "refresh from the sources",
    },
}
