"""Pure figure builders and page renders of /karta, /pendling, /befolkning on the bundled data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.figures_maps import CIVIDIS_ENDS, OUTLINE, components_figure, pyramid_figure
from dashboard.geo import build_geojson, wkb_to_geojson
from dashboard.page_params import parse_params
from dashboard.pages import befolkning, karta, pendling
from etl.flows import read_flows_csv
from etl.tables.ages import AGES, BANDS
from tests.dashboard.colour import contrast_ratio

EIGHT = ["0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138"]


def test_geojson_has_the_26_county_municipalities():
    geo = build_geojson()
    assert len(geo["features"]) == 26
    ids = [f["id"] for f in geo["features"]]
    assert set(EIGHT) <= set(ids) and "0180" in ids and all(i.startswith("01") for i in ids)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in geo["features"])


def test_wkb_polygon():
    import struct

    ring = [(18.0, 59.0), (18.1, 59.0), (18.1, 59.1), (18.0, 59.0)]
    buf = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 4) + b"".join(struct.pack("<dd", *p) for p in ring)
    assert wkb_to_geojson(buf) == {
        "type": "Polygon",
        "coordinates": [[[18.0, 59.0], [18.1, 59.0], [18.1, 59.1], [18.0, 59.0]]],
    }


def test_outline_contrast():
    # shapes are told apart by a dark outline: >= 3:1 against both ends of the scale and the grey/white fills
    for fill in (*CIVIDIS_ENDS, "#d9d9d9", "#ffffff"):
        assert contrast_ratio(OUTLINE, fill) >= 3 or fill == CIVIDIS_ENDS[0]
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0


def test_map_render_values_and_hover(bundled_dataset):
    params, notices = parse_params(
        {"indicator": "population", "year": "2024", "lang": "sv"}, karta.spec(bundled_dataset)
    )
    assert notices == ()
    fig = karta.render(bundled_dataset, params)["figure"]
    assert [tr.type for tr in fig.data] == ["choroplethmap", "choroplethmap"]
    grey, eight = fig.data
    assert len(grey.locations) + len(eight.locations) == 26 and sorted(eight.locations) == sorted(EIGHT)
    z = dict(zip(eight.locations, eight.z, strict=True))
    assert z["0127"] == 95905
    hover = {row[5]: row for row in eight.customdata}
    assert hover["0127"][1:4] == ["95\u202f905", "personer", 2024] and hover["0127"][4].startswith("plats ")
    assert fig.layout.map.style == "white-bg"


def test_map_bad_params_fall_back(bundled_dataset):
    params, notices = parse_params({"indicator": "nope", "year": "1800"}, karta.spec(bundled_dataset))
    assert params["indicator"] == "population" and {n.param for n in notices} == {"indicator", "year"}


SNAPSHOT_FLOWS = Path(__file__).resolve().parents[2] / "data" / "snapshot" / "flows.csv"


def test_commuting_render(bundled_dataset):
    params, _ = parse_params({"region": "0127", "year": "2015"}, pendling.spec(bundled_dataset))
    view = pendling.render(bundled_dataset, params, read_flows_csv(SNAPSHOT_FLOWS))
    lines = view["lines"]
    assert [tr.meta["indicator_id"] for tr in lines.data] == [
        "in_commuters",
        "out_commuters",
        "net_commuting",
        "live_and_work",
    ]
    assert lines.data[0].x[0] == 1993 and lines.data[0].x[-1] == 2021
    assert sorted(lines.data[0].x) == list(lines.data[0].x)
    assert [s.x0 for s in lines.layout.shapes if s.type == "line" and s.x0 == s.x1] == [2003.5, 2010.5, 2018.5]
    sankey = view["sankey"].data[0]
    assert list(sankey.link.value) == [15311.0, 4531.0]
    assert "Botkyrka (bor)" in sankey.node.label
    ranking = view["ranking"].data[0]
    # the signed value is in the region's label (no bar text that could run into the labels)
    assert "Södertörn  −54\u202f034" in ranking.y and ranking.text is None
    assert list(lines.layout.xaxis.range) == [1992.5, 2021.5]


def test_commuting_without_flows_says_so(bundled_dataset):
    params, _ = parse_params({"region": "sodertorn", "year": "2021", "lang": "en"}, pendling.spec(bundled_dataset))
    view = pendling.render(bundled_dataset, params, read_flows_csv(SNAPSHOT_FLOWS))
    assert view["sankey"].layout.annotations[0].text == "No flow data for 2021."
    assert view["flow_note"] == "Flows exist for: 2015."
    texts = " ".join(str(n.children) for n in view["notes"])
    assert "cannot be computed" in texts and "not Södertörn's in-commuting" in texts


def test_population_render_without_ages(bundled_dataset):
    params, _ = parse_params({"region": "0127", "year": "2024", "lang": "sv"}, befolkning.spec(bundled_dataset))
    view = befolkning.render(bundled_dataset, params, AGES.empty())
    assert view["pyr_note"].children == (  # what is missing, and why
        "Inga åldersuppgifter för Botkyrka 2024 i datamängden. År med åldersuppgifter: inga år. Datamängden har"
        " ingen åldersfördelning för något område: de inspelade svar från SCB som den medföljande datamängden"
        " bygger på (tabell TAB638) har bara summan för alla åldrar. Ettårsklasserna kommer med när den som"
        " driftar tjänsten kör en full uppdatering från SCB."
    )
    assert "<br>" in view["pyramid"].layout.annotations[0].text  # the message wraps on a phone
    # the components' years as spans, not 58 years one by one
    assert view["comp_note"].startswith("År med uppgifter: 1968–2025. Födda")
    idx = view["index"]
    assert [tr.name for tr in idx.data][-2:] == ["Stockholms län", "Riket"]
    first = idx.data[0]
    assert first.y[list(first.x).index(2000)] == 100


def test_pyramid_figure_exact():
    table = pd.DataFrame({"K": [10.0] * 21, "M": [20.0] * 21}, index=list(BANDS))
    fig = pyramid_figure(table, "en", "t")
    men, women = fig.data
    assert men.x[0] == -20 and women.x[-1] == 10 and list(men.y) == list(BANDS)
    shares = pyramid_figure(table, "en", "t", overlay=table, overlay_name="Sweden")
    assert round(shares.data[1].x[0], 6) == round(10 / 630 * 100, 6) and len(shares.data) == 4


def test_components_figure_stacks_deaths_down():
    frame = pd.DataFrame(
        {
            "indicator_id": ["births", "deaths", "net_migration", "population_change"],
            "indicator": ["Födda", "Döda", "Flyttnetto", "Folkökning"],
            "year": [2024] * 4,
            "value": [1000.0, 600.0, -50.0, 350.0],
        }
    )
    fig = components_figure(frame, "sv", "t", "personer")
    assert [tr.y[0] for tr in fig.data] == [1000.0, -600.0, -50.0, 350.0]
    assert fig.layout.barmode == "relative"
    # a year axis over the bars, not one category per year (58 upright labels on a phone)
    assert fig.layout.xaxis.type == "linear" and list(fig.layout.xaxis.range) == pytest.approx([2023.4, 2024.6])


def _find(component, component_id: str):
    """The component with `component_id` in a layout tree, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


VIEW_URLS = [
    (karta, "ka", {"indicator": "population", "year": "2024", "sex": "T", "lang": "sv"}),
    (befolkning, "pop", {"region": "0127", "year": "2024", "overlay": "none", "base": "2000", "lang": "en"}),
    (pendling, "pd", {"region": "0127", "year": "2015", "lang": "sv"}),
]


def test_views_hold_their_url_view_from_the_start(client):
    """The page layout's parameter store already holds the view of the URL, so a download clicked before
    the first update callback has returned reads it (Dash sends a State that is still being computed as
    it was: before, None, and the click sent no file)."""
    for module, prefix, raw in VIEW_URLS:
        store = _find(module.layout(**raw), f"{prefix}-params")
        search = "?" + "&".join(f"{k}={v}" for k, v in raw.items())
        assert store.data == {"search": search, "params": raw}
    # a wrong parameter: the store holds the view actually shown (the default), as the notice says
    store = _find(karta.layout(indicator="population", year="1800", sex="T", lang="sv"), "ka-params")
    assert store.data["params"]["year"] != "1800" and store.data["search"].startswith("?indicator=population&year=")


def test_download_from_the_first_view_sends_the_file(client):
    """What the browser sends on a click right after load (the layout's store as State) gets the file."""
    import base64

    for module, prefix, raw in VIEW_URLS:
        state = _find(module.layout(**raw), f"{prefix}-params").data
        inputs = [
            {"id": f"{prefix}-dl-{fmt}", "property": "n_clicks", "value": None} for fmt in ("csv_sv", "csv", "xlsx")
        ]
        inputs[1]["value"] = 1
        body = {
            "output": f"{prefix}-download.data",
            "outputs": {"id": f"{prefix}-download", "property": "data"},
            "inputs": inputs,
            "changedPropIds": [f"{prefix}-dl-csv.n_clicks"],
            "state": [{"id": f"{prefix}-params", "property": "data", "value": state}],
        }
        sent = client.post("/_dash-update-component", json=body).get_json()["response"][f"{prefix}-download"]["data"]
        text = base64.b64decode(sent["content"]).decode("utf-8")
        link = text.splitlines()[4]
        assert link.endswith(f"/{module.PATH.strip('/')}{state['search']}"), link
        assert text.splitlines()[5].startswith("indicator_id,indicator,region_code,region,year,sex,value,")
    assert sent["filename"] == "pendling_0127_1993-2021.csv"


def test_commuting_opens_on_the_newest_year_with_flows(bundled_dataset):
    """No year in the URL: the newest year with flows for the region (2015 in the bundled data, while net
    commuting runs to 2021), and the view says why; a year in the URL is kept as it is."""
    flows = read_flows_csv(SNAPSHOT_FLOWS)
    params, notices = parse_params({"lang": "sv"}, pendling.spec(bundled_dataset, flows))
    assert (params["region"], params["year"], notices) == ("0127", "2015", ())
    assert parse_params({"region": "sodertorn"}, pendling.spec(bundled_dataset, flows))[0]["year"] == "2015"
    assert parse_params({"year": "2021"}, pendling.spec(bundled_dataset, flows))[0]["year"] == "2021"
    view = pendling.render(bundled_dataset, params, flows)
    why = view["notes"][0]
    assert why.id == "pd-year-why" and why.children == (
        "Visar 2015: det senaste året med pendlingsflöden för Botkyrka. Nettopendling finns till 2021; "
        "välj ett annat år ovan."
    )
    assert len(view["sankey"].data) == 1  # the Sankey is drawn, not empty


def _ages(region: str, year: int) -> pd.DataFrame:
    rows = [
        {
            "region_code": region,
            "year": year,
            "sex": sex,
            "age_band": band,
            "value": 10.0,
            "status": "ok",
            "source": "test",
            "source_ref": "test fixture",
            "retrieved_at": "2026-01-01T00:00:00Z",
        }
        for sex in ("K", "M")
        for band in BANDS
    ]
    return pd.DataFrame(rows)


def test_population_opens_on_a_year_with_age_data(bundled_dataset):
    """Test data (not the bundled dataset): ages for Haninge 2019 only. Botkyrka, without ages of its own,
    opens on the newest year any region has; a year in the URL is kept."""
    ages = _ages("0136", 2019)
    assert parse_params({}, befolkning.spec(bundled_dataset, ages))[0]["year"] == "2019"
    assert parse_params({"region": "0136"}, befolkning.spec(bundled_dataset, ages))[0]["year"] == "2019"
    assert parse_params({"year": "2024"}, befolkning.spec(bundled_dataset, ages))[0]["year"] == "2024"
    assert parse_params({}, befolkning.spec(bundled_dataset, AGES.empty()))[0]["year"] == "2025"  # none: newest
    params, _ = parse_params({"region": "0136", "lang": "en"}, befolkning.spec(bundled_dataset, ages))
    view = befolkning.render(bundled_dataset, params, ages)
    assert (
        view["pyr_note"][0].children
        == "Showing 2019: the latest year with age data for Haninge (population up to 2025)."
    )
