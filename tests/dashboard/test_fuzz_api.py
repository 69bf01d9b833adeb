"""Property-based fuzzing: whatever a browser or script sends, the app never answers 500.

API: always 2xx/3xx with the promised content type, or a 4xx JSON with a message.
Pages: the page shell and the page itself (rendered through Dash's routing
callback, as the browser asks for it) are always served.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = ["indicator", "regions", "from", "to", "sex", "mode", "base", "sep", "decimal", "lang", "year", "ref"]
IDS = [
    "population",
    "net_commuting",
    "tax_rate_total",
    "births",
    "sodertorn",
    "0127",
    "0181",
    "01",
    "00",
    "stockholms_lan",
]
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from([*IDS, "T", "K", "M", "X", "value", "per1000", "index", "change", ",", ";", ".", "", "sv", "en"]),
    st.lists(st.sampled_from([*IDS, "", " ", "9999", "ÅÄÖ", "=1+1"]), max_size=12).map(",".join),
    st.integers(min_value=1900, max_value=2100).map(str),
)
# repeated names are allowed: a list of pairs, not a dict
params = st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), values), max_size=8)
api_paths = st.one_of(
    st.sampled_from(
        [
            "/api/v1/observations.csv",
            "/api/v1/observations.json",
            "/api/v1/bundle.zip",
            "/api/v1/indicators",
            "/api/v1/regions",
            "/api/v1/",
        ]
    ),
    st.text(max_size=20).map(lambda s: "/api/v1/" + quote(s, safe="")),
)
CONTENT_TYPES = {
    "/api/v1/observations.csv": "text/csv",
    "/api/v1/observations.json": "application/json",
    "/api/v1/bundle.zip": "application/zip",
}


def _query(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, safe=",;")


@FUZZ
@given(path=api_paths, pairs=params)
def test_api_never_500(client, path: str, pairs: list[tuple[str, str]]) -> None:
    r = client.get(path + "?" + _query(pairs))
    assert r.status_code < 500, (path, pairs, r.data[:300])
    if r.status_code >= 400:
        body = r.get_json()
        assert r.mimetype == "application/json" and body["message"], (path, pairs)
    elif r.status_code == 200 and path in CONTENT_TYPES:
        assert r.mimetype == CONTENT_TYPES[path]


@FUZZ
@given(
    indicator=st.lists(st.sampled_from([*IDS[:4], "nope"]), min_size=1, max_size=3).map(",".join),
    regions=st.lists(st.sampled_from([*IDS[4:], "0140", "0192"]), min_size=1, max_size=5).map(",".join),
    year_from=st.integers(min_value=1940, max_value=2030),
    span=st.integers(min_value=-3, max_value=60),
    mode=st.sampled_from(["value", "per1000", "index", "change"]),
    fmt=st.sampled_from(["csv", "json"]),
)
def test_api_plausible_requests(client, indicator, regions, year_from, span, mode, fmt) -> None:
    """Near-valid requests reach the query itself: still 200 or a 4xx JSON, never 500."""
    q = _query(
        [
            ("indicator", indicator),
            ("regions", regions),
            ("from", str(year_from)),
            ("to", str(year_from + span)),
            ("mode", mode),
        ]
    )
    r = client.get(f"/api/v1/observations.{fmt}?{q}")
    assert r.status_code in (200, 400), (q, r.data[:300])
    if r.status_code == 400:
        assert r.get_json()["message"]


def _route(client, pathname: str, search: str):
    """The page as the browser gets it: Dash's routing callback for `pathname` + `search`."""
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "state": [{"id": "url-written", "property": "data", "value": None}],
        "changedPropIds": ["_pages_location.search"],
    }
    return client.post("/_dash-update-component", json=payload)


@FUZZ
@given(page=st.sampled_from(["/", "/jamfor", "/om"]), pairs=params)
def test_pages_never_500(client, page: str, pairs: list[tuple[str, str]]) -> None:
    search = "?" + _query(pairs)
    shell = client.get(page + search)
    assert shell.status_code == 200 and shell.mimetype == "text/html"
    rendered = _route(client, page, search)
    assert rendered.status_code == 200, (page, search, rendered.data[:300])
    assert rendered.get_json()["multi"] is True


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(max_size=40))
def test_any_path_never_500(client, path: str) -> None:
    r = client.get("/" + quote(path, safe="/"))
    assert r.status_code < 500, (path, r.data[:200])
