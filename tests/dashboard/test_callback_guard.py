"""The callback boundary: a callback request that is not the shape of its callback is a 400 naming what was
wrong (with the page's "reload" notice), before any callback runs; right-typed but unknown values still
reach the page and fall back with a notice. Component-suite URLs serve registered assets only."""

from __future__ import annotations

import json
import time

import pytest

from dashboard import callback_guard, deadline
from dashboard.callback_guard import RefusedError, check_body, shapes_of
from dashboard.i18n import t

VIEW = "..ts-graph.figure...rank-graph.figure...jf-table.data-table...jf-explain.children...jf-notes.children...jf-error.children...jf-share.href...jf-share.children...jf-params.data...jf-gaps.children...jf-rank-count.children...jf-regions.options...jf-ref.options...jf-ts-breaks-box.children...jf-ts-summary.children...jf-rank-summary.children.."
VIEW_INPUTS = [
    ("jf-indicator", "value", "population"),
    ("jf-regions", "value", ["0127", "0181"]),
    ("jf-ref", "value", []),
    ("jf-mode", "value", "value"),
    ("jf-base", "value", 2000),
    ("jf-sex", "value", "T"),
    ("jf-from", "value", 2000),
    ("jf-to", "value", 2024),
    ("jf-year", "value", 2024),
]


def view_body(**values) -> dict:
    """The body Dash's renderer sends for /jamfor's main callback, with `values` by component id."""
    outputs = [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in VIEW.strip(".").split("...")]
    inputs = [{"id": c, "property": p, "value": values.get(c, v)} for c, p, v in VIEW_INPUTS]
    return {
        "output": VIEW,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": ["jf-regions.value"],
        "state": [{"id": "jf-lang", "property": "data", "value": values.get("jf-lang", "sv")}],
    }


def download_body(params) -> dict:
    return {
        "output": "download.data",
        "outputs": {"id": "download", "property": "data"},
        "inputs": [
            {"id": i, "property": "n_clicks", "value": 1 if i == "dl-csv" else None}
            for i in ("dl-csv-sv", "dl-csv", "dl-xlsx")
        ],
        "changedPropIds": ["dl-csv.n_clicks"],
        "state": [{"id": "jf-params", "property": "data", "value": params}],
    }


@pytest.fixture(scope="module")
def served(app):
    assert app.server.test_client().get("/jamfor").status_code == 200  # Dash sets up its callbacks
    return app


def post(client, body=None, raw: bytes | None = None, referer: str | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Referer": referer} if referer else {}
    return client.post("/_dash-update-component", data=data, content_type="application/json", headers=headers)


# ---------------------------------------------------------------- the examples: 400, never 500
@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"null", "the body is null"),
        (b"[]", "the body is a list of 0"),
        (b'"x"', "the body is a text"),
        (b"1", "the body is a number"),
        (b"{", "the body is not JSON"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_a_body_that_is_not_a_callback_request_is_400(served, client, raw: bytes, said: str) -> None:
    r = post(client, raw=raw)
    assert r.status_code == 400 and r.mimetype == "application/json"
    answer = r.get_json()
    assert answer["error"] == "bad_callback_request" and said in answer["message"]
    assert answer["reload"] == t("stale_page", "sv") and answer["reload_button"] == "Ladda om sidan"


def test_an_object_without_inputs_is_400(served, client) -> None:
    body = view_body()
    del body["inputs"]
    r = post(client, body)
    assert r.status_code == 400
    assert r.get_json()["message"] == "inputs: expected a list of 9, got null"


def test_jamfor_state_that_is_a_text_is_400(served, client) -> None:
    r = post(client, download_body("x"))
    assert r.status_code == 400
    message = r.get_json()["message"]
    assert message.startswith(
        "state[0] (jf-params.data): expected null or an object with search, params"
    ) and message.endswith("got a text")


def test_regions_as_numbers_and_from_as_a_list_are_400(served, client) -> None:
    r = post(client, view_body(**{"jf-regions": [127, 181]}))
    assert r.status_code == 400
    assert r.get_json()["message"] == (
        "inputs[1] (jf-regions.value): expected null or a list of items each a text of at most 256 characters, got a list of 2"
    )
    r = post(client, view_body(**{"jf-from": [2000]}))
    assert r.status_code == 400
    assert (
        r.get_json()["message"] == "inputs[6] (jf-from.value): expected a whole number from 0 to 9999, got a list of 1"
    )


def test_a_stale_page_is_told_to_reload_in_its_language(served, client) -> None:
    body = view_body()
    body["output"] = "..ts-graph.figure...old-output.children.."  # a callback a deploy removed
    r = post(client, body, referer="http://localhost/jamfor?lang=en")
    assert r.status_code == 400
    answer = r.get_json()
    assert answer["message"] == "output: no server callback updates '..ts-graph.figure...old-output.children..'"
    assert answer["reload"] == "This page is out of date and could not be updated. Please reload the page."
    assert answer["reload_button"] == "Reload the page"


def test_a_clientside_callback_is_not_run_on_the_server(served, client) -> None:
    body = {
        "output": "site-header.title",
        "outputs": {"id": "site-header", "property": "title"},
        "inputs": [
            {"id": "url", "property": "pathname", "value": "/"},
            {"id": "url", "property": "search", "value": ""},
        ],
        "changedPropIds": [],
    }
    r = post(client, body)
    assert r.status_code == 400 and "no server callback updates 'site-header.title'" in r.get_json()["message"]


def test_a_non_json_content_type_is_400(served, client) -> None:
    r = client.post("/_dash-update-component", data=json.dumps(view_body()), content_type="text/plain")
    assert r.status_code == 400 and "not JSON" in r.get_json()["message"]


# ---------------------------------------------------------------- right shape: the page answers as before
def test_the_renderers_request_is_answered(served, client) -> None:
    r = post(client, view_body())
    assert r.status_code == 200
    written = r.get_json()["response"]["jf-params"]["data"]
    assert written["params"]["regions"] == "0127,0181" and written["params"]["indicator"] == "population"


def test_unknown_ids_of_the_right_type_fall_back_as_before(served, client) -> None:
    r = post(client, view_body(**{"jf-indicator": "nope", "jf-regions": ["9999"], "jf-from": 1066}))
    assert r.status_code == 200
    written = r.get_json()["response"]["jf-params"]["data"]["params"]
    assert written["indicator"] == "population"  # the default, as for ?indicator=nope
    assert written["regions"] == "0127,0136,0126,0140,0192,0128,0181,0138"
    # and the page for that URL shows the notices
    page = client.get("/_dash-layout", headers={"Referer": "http://localhost/jamfor?indicator=nope&regions=9999"})
    text = json.dumps(page.get_json(), ensure_ascii=False)
    assert "Ogiltigt värde för ”indicator” (nope)" in text and "Ogiltigt värde för ”regions” (9999)" in text


def test_a_download_with_an_altered_parameter_store_falls_back(served, client) -> None:
    body = download_body({"search": "?x=1", "params": {"indicator": "nope", "regions": "0127"}})
    r = post(client, body)
    assert r.status_code == 200
    assert r.get_json()["response"]["download"]["data"]["filename"].endswith(".csv")


def test_every_server_callback_has_a_declared_shape(served) -> None:
    server_side = {k for k, cb in served.callback_map.items() if callable(cb.get("callback"))}
    shapes = shapes_of(served.callback_map)
    assert set(shapes) == server_side and len(shapes) >= 15
    assert shapes[VIEW].inputs[1][:2] == ("jf-regions", "value")


def test_an_undeclared_property_stops_the_guard() -> None:
    fake = {"x.children": {"inputs": [{"id": "x", "property": "title"}], "state": [], "callback": print}}
    with pytest.raises(RuntimeError, match=r"x\.title"):
        shapes_of(fake)


def test_check_body_names_the_field(served) -> None:
    shapes = shapes_of(served.callback_map)
    body = view_body()
    body["inputs"][0]["id"] = "jf-other"
    with pytest.raises(RefusedError, match=r"inputs\[0\] \(jf-indicator.value\): expected \{id: 'jf-indicator'"):
        check_body(body, shapes)
    body = view_body()
    body["changedPropIds"] = ["jf-lang.data"]
    with pytest.raises(RefusedError, match="changedPropIds"):
        check_body(body, shapes)
    assert callback_guard.YEAR(2024) is None and callback_guard.YEAR(True) is not None


# ---------------------------------------------------------------- component-suite URLs
@pytest.mark.parametrize(
    "path",
    [
        "os/path.py",
        "etl/settings.py",
        "dashboard/app.py",
        "dash/..%2f..%2f..%2fetc%2fpasswd",
        "dash/%2e%2e/%2e%2e/dash.py",
        "dash/dash.py",
        "dash/dcc/__init__.py",
        "nope/x.js",
    ],
)
def test_anything_but_a_registered_asset_is_404(served, client, path: str) -> None:
    r = client.get("/_dash-component-suites/" + path)
    assert r.status_code == 404
    assert b"import" not in r.data and b"root:" not in r.data


def test_a_registered_asset_is_served(served, client) -> None:
    r = client.get("/_dash-component-suites/dash/dcc/async-graph.js")
    assert r.status_code == 200 and r.mimetype in ("application/javascript", "text/javascript")


# ---------------------------------------------------------------- the request time limit
def test_a_request_past_its_limit_is_stopped() -> None:
    deadline.start(0.2)
    began = time.monotonic()
    try:
        with pytest.raises(deadline.RequestTimedOut):
            while time.monotonic() - began < 30:  # Python code: interrupted at its limit
                sum(range(1000))
    finally:
        deadline.stop()
    assert deadline.RequestTimedOut.code == 503


@pytest.mark.parametrize("year", ["²", "١٢", "9" * 1500, "20 20", "+2020"])
def test_a_year_that_is_not_ascii_digits_is_a_notice(served, client, year: str) -> None:
    from urllib.parse import quote

    from dashboard import data
    from dashboard.state import context_from, parse_query

    state = parse_query({"from": year}, context_from(data.dataset()))
    assert [n.param for n in state.notices] == ["from"]
    r = client.post(
        "/_dash-update-component",
        json={
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": "/jamfor"},
                {"id": "_pages_location", "property": "search", "value": "?from=" + quote(year)},
            ],
            "state": [{"id": "url-written", "property": "data", "value": None}],
            "changedPropIds": ["_pages_location.search"],
        },
    )
    assert r.status_code == 200
    assert "Ogiltigt värde för ”from”" in json.dumps(r.get_json(), ensure_ascii=False)


@pytest.mark.parametrize("changed", [[{"a": 1}], [["jf-regions.value"]], "jf-regions.value", [None]])
def test_changed_prop_ids_that_are_not_texts_are_400(served, client, changed) -> None:
    body = view_body()
    body["changedPropIds"] = changed
    r = post(client, body)
    assert (
        r.status_code == 400 and r.get_json()["message"] == "changedPropIds: expected a list of this callback's inputs"
    )


def test_a_map_click_as_chromium_sends_it_opens_compare(served, client) -> None:
    """The body headless Chromium sent for a click on Botkyrka in /karta's map (plotly adds a timestamp)."""
    point = {
        "curveNumber": 1,
        "pointNumber": 0,
        "pointIndex": 0,
        "location": "0127",
        "z": 95905,
        "xPixel": 512.14,
        "yPixel": 386.1,
        "bbox": {"x0": 513.1, "x1": 513.1, "y0": 387.1, "y1": 387.1},
        "customdata": ["Botkyrka", "95 905", "personer", 2024, "plats 4 av 8", "0127"],
    }
    params = {"indicator": "population", "year": "2024", "sex": "T", "lang": "sv"}
    body = {
        "output": "ka-go.href",
        "outputs": {"id": "ka-go", "property": "href"},
        "inputs": [{"id": "ka-map", "property": "clickData", "value": {"points": [point], "timestamp": 1796299658974}}],
        "changedPropIds": ["ka-map.clickData"],
        "parsedChangedPropsIds": ["ka-map.clickData"],
        "state": [{"id": "ka-params", "property": "data", "value": {"search": "?x", "params": params}}],
    }
    r = post(client, body)
    assert r.status_code == 200
    assert r.get_json()["response"]["ka-go"]["href"] == "/jamfor?indicator=population&regions=0127&sex=T&lang=sv"
