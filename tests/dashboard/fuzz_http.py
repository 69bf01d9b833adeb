"""A fuzzer of the whole HTTP surface of the app: every route of its Flask URL map and every server
callback of its callback map, with requests built from the real routes and callbacks and then mutated.

`requests(app)` is a hypothesis strategy of `Req`; `send_client` / `send_http` send one through Flask's
test client or over HTTP to a server on 127.0.0.1 (the production command, see test_fuzz_http.py);
`problems()` says what is wrong with an answer (5xx, a traceback or internal path in the body).
Test data only: nothing here is shown to a user.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from hypothesis import strategies as st

from dashboard.callback_guard import shapes_of

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CALLBACK = "/_dash-update-component"
PAGES = ["/", "/jamfor", "/karta", "/pendling", "/befolkning", "/om", "/tillganglighet"]
IDS = ["population", "births", "net_commuting", "tax_rate_total", "sodertorn", "0127", "0181", "0140", "01", "00"]
UNICODE = ["ÅÄÖ", "😀" * 3, "\u202e", "\x00", "%00", "../../etc/passwd", "=1+1", "<script>", "\ud7ff", "ǅ"]
# paths under the component suites that are not registered assets (the examples first)
HOSTILE_ASSETS = [
    "os/path.py",
    "etl/settings.py",
    "dashboard/app.py",
    "dash/..%2f..%2f..%2fetc%2fpasswd",
    "dash/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "dash/%252e%252e/dash.py",
    "dash/dash.py",
    "dash/__init__.py",
    "dash/dcc/__init__.py",
    "dash/dcc/../dash.py",
    "dash/..\\..\\dash.py",
    "dash/dcc/async-graph.js%00.py",
    "flask/app.py",
    "nope/x.js",
    "dash/",
    "dash//dcc/async-graph.js",
    "dash/./dcc/async-graph.js",
]
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")
INTERNAL = [str(ROOT), "site-packages", "/usr/lib/python", "/tmp/pytest-"]


# the page of a callback, by the prefix of its first output's id (for the counts)
PAGE_OF = {"jf": "jamfor", "ts": "jamfor", "download": "jamfor", "ka": "karta", "pd": "pendling", "pop": "befolkning"}
PAGE_OF.update({"_pages_content": "routing", "site": "header", "url": "header"})


@dataclass(frozen=True)
class Req:
    """One request: what the counts call it (`route`), method, path with query (URL-encoded), headers, body."""

    route: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


class Answer(NamedTuple):
    """What the server said: status, content type, body, and how long it took."""

    status: int
    content_type: str
    body: bytes
    seconds: float


# ---------------------------------------------------------------- values
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from([*IDS, *UNICODE, "", "sv", "en", "T", "K", "value", "index", "per1000", "x"]),
    st.integers(min_value=1900, max_value=2100),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=12,
)
huge = st.one_of(
    st.integers(min_value=1000, max_value=200_000).map(lambda n: "x" * n),
    st.integers(min_value=10, max_value=2000).map(lambda n: "😀" * n),
    st.just(list(range(5000))),
    st.just(10**400),  # a whole number longer than Python's int-to-text limit
)
# right-typed values a page may send, known and unknown (the callback guard lets the right type through)
PLAUSIBLE: list[Any] = [
    None,
    "population",
    "births",
    "net_commuting",
    "nope",
    "0127",
    "0181",
    "sodertorn",
    "9999",
    "sv",
    "en",
    "de",
    "T",
    "K",
    "X",
    "value",
    "per1000",
    "index",
    "change",
    "none",
    "00",
    "2020",
    "1850",
    "",
    "ÅÄÖ",
    0,
    1,
    3,
    40,
    2000,
    2010,
    2024,
    1900,
    9999,
    2.5,
    ["0127", "0181"],
    ["sodertorn"],
    [],
    ["nope", "0127"],
    ["01", "00"],
    "/jamfor",
    "/",
    "/nope",
    "?lang=en",
    "?indicator=births&regions=0127&from=2000&to=2010",
    "?mode=index&base=1",
    {"search": "?lang=en", "params": {"lang": "en"}},
    {"search": "?indicator=births", "params": {"indicator": "births", "regions": "0127", "from": "2000", "to": "2010"}},
    {"search": "", "params": {"region": "0127", "year": "2020", "lang": "sv"}},
    {"search": "", "params": {"indicator": "nope", "year": "1", "sex": "X", "lang": "sv"}},
    {"lang": "en"},
    {"points": [{"location": "0127"}]},
    {"points": [{"curveNumber": 1, "location": "0181", "z": 1, "bbox": {"x0": 1}}], "timestamp": 1796299658974},
    {"points": [{"location": "nope"}]},
    {"points": [{}]},
    ["sv", "/", "", "2026-01-01"],
]


def _good_value(check) -> st.SearchStrategy:
    return st.sampled_from([v for v in PLAUSIBLE if check(v) is None])


# ---------------------------------------------------------------- callback bodies
def _deps(items, values: list) -> list[dict]:
    return [{"id": c, "property": p, "value": v} for (c, p, _), v in zip(items, values, strict=True)]


@st.composite
def callback_body(draw, shapes: dict) -> tuple[str, Any]:
    """(label, body): a body of a real callback with right-typed values, then maybe mutated."""
    key = draw(st.sampled_from(sorted(shapes)))
    shape = shapes[key]
    outputs = [{"id": c, "property": p} for c, p in shape.outputs]
    inputs = _deps(shape.inputs, [draw(_good_value(check)) for _, _, check in shape.inputs])
    state = _deps(shape.state, [draw(_good_value(check)) for _, _, check in shape.state])
    changed = draw(st.lists(st.sampled_from([f"{c}.{p}" for c, p, _ in shape.inputs] or ["x.y"]), max_size=2))
    body: dict[str, Any] = {
        "output": key,
        "outputs": outputs if shape.multi else outputs[0],
        "inputs": inputs,
        "changedPropIds": changed,
    }
    if state:
        body["state"] = state
    first = shape.outputs[0][0]
    label = "cb-" + PAGE_OF.get(first.split("-")[0], first)
    mutation = draw(
        st.sampled_from(
            ["none", "none", "value", "value", "list", "huge", "drop", "drop-item", "swap", "extra", "output", "types"]
        )
    )
    if mutation == "none":
        return label, body
    deps = [d for d in [*inputs, *state]]
    if mutation in ("value", "list", "huge", "drop-item", "swap") and not deps:
        mutation = "drop"
    if mutation == "value":
        dep = draw(st.sampled_from(deps))
        dep["value"] = draw(json_values)
    elif mutation == "list":
        dep = draw(st.sampled_from(deps))
        dep["value"] = [dep.get("value")]
    elif mutation == "huge":
        dep = draw(st.sampled_from(deps))
        dep["value"] = draw(huge)
    elif mutation == "drop":
        body.pop(draw(st.sampled_from(sorted(body))))
    elif mutation == "drop-item":
        dep = draw(st.sampled_from(deps))
        dep.pop(draw(st.sampled_from(["id", "property", "value"])))
    elif mutation == "swap":
        dep = draw(st.sampled_from(deps))
        dep["id"], dep["property"] = draw(st.sampled_from([("x", "y"), (dep["property"], dep["id"]), (1, None)]))
    elif mutation == "extra":
        body[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    elif mutation == "output":
        body["output"] = draw(st.one_of(st.sampled_from(sorted(shapes)), json_values))
    elif mutation == "types":
        field = draw(st.sampled_from(["outputs", "inputs", "state", "changedPropIds", "output"]))
        body[field] = draw(json_values)
    return f"{label} {mutation}", body


RAW_BODIES = [b"null", b"[]", b'"x"', b"1", b"{", b"", b"{}", b'{"output": 1}', b"\xff\xfe", b"[" * 50_000, b"NaN"]


# ---------------------------------------------------------------- requests
query_pairs = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                ["indicator", "regions", "from", "to", "year", "mode", "base", "sex", "ref", "lang", "region"]
            ),
            st.text(max_size=8),
        ),
        st.one_of(scalars.map(lambda v: "" if v is None else str(v)), st.sampled_from(IDS)),
    ),
    max_size=6,
)


def _query(pairs) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe=',')}" for k, v in pairs)


header_values = st.one_of(
    st.text(max_size=40).map(lambda s: s.replace("\r", "").replace("\n", "")),
    st.sampled_from(["", "*", "gzip", "br;q=nan", "identity;q=0"]),
)


@st.composite
def layout_request(draw) -> Req:
    """/_dash-layout and /_dash-dependencies with odd query strings, Referers and other headers."""
    path = draw(st.sampled_from(["/_dash-layout", "/_dash-dependencies"]))
    query = draw(st.one_of(st.just(""), query_pairs.map(_query), st.text(max_size=30).map(lambda s: quote(s))))
    page = draw(st.one_of(st.sampled_from(PAGES), st.text(max_size=12).map(lambda s: "/" + quote(s))))
    referer = draw(
        st.one_of(
            st.none(),
            query_pairs.map(lambda q, p=page: f"http://{HOST}{p}?{_query(q)}"),
            st.sampled_from(
                [
                    f"http://{HOST}/jamfor?from=" + "9" * 3000,
                    f"http://{HOST}/jamfor?" + "&".join(["regions=0127"] * 300),
                    f"http://{HOST}" + "/x" * 3000,
                    "http://evil.example/jamfor?lang=en",
                    "not a url",
                    f"http://{HOST}/jamfor?from=²&to=³",
                    f"http://{HOST}/karta?year=%ff%fe",
                    f"http://{HOST}/befolkning?year=1&base=1&overlay=00&region=0127",
                    f"http://{HOST}/pendling?region=sodertorn&year=0",
                ]
            ),
            st.text(max_size=60).map(lambda s: s.replace("\r", "").replace("\n", "")),
        )
    )
    headers = [("Referer", referer)] if referer is not None else []
    for name in draw(
        st.lists(
            st.sampled_from(["Accept-Encoding", "If-None-Match", "Range", "Accept", "Cookie", "X-Forwarded-For"]),
            max_size=3,
        )
    ):
        headers.append((name, draw(header_values)))
    return Req(f"GET {path}", "GET", path + (f"?{query}" if query else ""), tuple(headers))


@st.composite
def asset_request(draw, registered: dict[str, list[str]]) -> Req:
    """Component-suite and /assets URLs: registered files, and hostile or unknown ones."""
    kind = draw(st.sampled_from(["registered", "hostile", "hostile", "random", "assets"]))
    if kind == "registered":
        package = draw(st.sampled_from(sorted(registered)))
        file = draw(st.sampled_from(sorted(registered[package])))
        return Req("GET /_dash-component-suites", "GET", f"/_dash-component-suites/{package}/{quote(file)}")
    if kind == "hostile":
        return Req(
            "GET /_dash-component-suites", "GET", "/_dash-component-suites/" + draw(st.sampled_from(HOSTILE_ASSETS))
        )
    if kind == "random":
        rest = draw(st.text(max_size=30))
        return Req("GET /_dash-component-suites", "GET", "/_dash-component-suites/" + quote(rest, safe="/%."))
    name = draw(
        st.one_of(
            st.sampled_from(
                ["style.css", "a11y.js", "stale-page.js", "../etl/settings.py", "%2e%2e/app.py", "..%2fapp.py"]
            ),
            st.text(max_size=20).map(lambda s: quote(s, safe="/%.")),
        )
    )
    return Req("GET /assets", "GET", "/assets/" + name)


@st.composite
def callback_request(draw, shapes: dict) -> Req:
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        body = draw(st.sampled_from(RAW_BODIES))
        ctype = draw(st.sampled_from(["application/json", "text/plain", ""]))
        headers = (("Content-Type", ctype),) if ctype else ()
        return Req("POST /_dash-update-component cb-malformed", "POST", CALLBACK, headers, body)
    label, body = draw(callback_body(shapes))
    data = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8")
    return Req(
        f"POST /_dash-update-component {label.split()[0]}",
        "POST",
        CALLBACK,
        (("Content-Type", "application/json"),),
        data,
    )


@st.composite
def route_request(draw, rules: list[tuple[str, frozenset[str]]]) -> Req:
    """Any route of the URL map, with any method and a fuzzed query string (pages, API, health, …)."""
    rule, methods = draw(st.sampled_from(rules))
    path = re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: quote(draw(st.sampled_from(["x", *IDS, "..", "%2e"])), safe=""), rule
    )
    if rule == "/<path:path>":
        path = "/" + draw(
            st.one_of(
                st.sampled_from([p.strip("/") for p in PAGES]), st.text(max_size=30).map(lambda s: quote(s, safe="/"))
            )
        )
    method = draw(
        st.one_of(
            st.sampled_from(sorted(methods - {"OPTIONS"}) or ["GET"]),
            st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]),
        )
    )
    query = draw(st.one_of(st.just(""), query_pairs.map(_query)))
    body = draw(st.one_of(st.none(), st.sampled_from(RAW_BODIES[:6]))) if method in ("POST", "PUT", "PATCH") else None
    label = f"{method if method in ('GET', 'HEAD') else 'other-method'} {rule}"
    return Req(label, method, path + (f"?{query}" if query else ""), (), body)


@st.composite
def page_request(draw) -> Req:
    """A page, as a browser or a shared link opens it, with a fuzzed query string."""
    page = draw(st.sampled_from(PAGES))
    method = draw(st.sampled_from(["GET", "GET", "GET", "HEAD"]))
    query = draw(query_pairs.map(_query))
    return Req(f"{method} {page}", method, page + (f"?{query}" if query else ""))


def surface(app) -> tuple[dict, list[tuple[str, frozenset[str]]], dict[str, list[str]]]:
    """(callback shapes, URL rules with their methods, registered component assets) of a running app
    (call after the app has served its first page, so Dash has set up its callbacks and assets)."""
    shapes = shapes_of(app.callback_map)
    rules = sorted({(r.rule, frozenset(r.methods or ())) for r in app.server.url_map.iter_rules()}, key=lambda r: r[0])
    registered = {p: sorted(files) for p, files in app.registered_paths.items() if files}
    return shapes, rules, registered


def requests(app) -> st.SearchStrategy[Req]:
    shapes, rules, registered = surface(app)
    return st.one_of(
        callback_request(shapes),
        callback_request(shapes),
        layout_request(),
        page_request(),
        asset_request(registered),
        route_request(rules),
    )


# ---------------------------------------------------------------- sending and judging
def send_client(client, req: Req) -> Answer:
    started = time.perf_counter()
    resp = client.open(req.path, method=req.method, headers=list(req.headers), data=req.body)
    return Answer(resp.status_code, resp.mimetype or "", resp.get_data(), time.perf_counter() - started)


def send_http(port: int, req: Req, timeout: float) -> Answer:
    """Over HTTP to 127.0.0.1:`port`; a socket timeout (no answer within `timeout`) propagates."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.putrequest(req.method, req.path, skip_accept_encoding=True)
        names = {n.lower() for n, _ in req.headers}
        for name, value in req.headers:
            conn.putheader(name, value.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b""))
        if req.body is not None:
            conn.putheader("Content-Length", str(len(req.body)))
            if "content-type" not in names:
                conn.putheader("Content-Type", "application/octet-stream")
        conn.endheaders(req.body)
        resp = conn.getresponse()
        body = resp.read()
        return Answer(
            resp.status, (resp.getheader("Content-Type") or "").split(";")[0], body, time.perf_counter() - started
        )
    finally:
        conn.close()


def problems(req: Req, answer: Answer) -> list[str]:
    """What is wrong with `answer` to `req` (empty: nothing)."""
    found = []
    if answer.status >= 500:
        found.append(f"status {answer.status}")
    static = answer.status == 200 and req.path.startswith(("/_dash-component-suites/", "/assets/"))
    if not static:
        text = answer.body.decode("utf-8", "replace")
        if TRACEBACK.search(text):
            found.append("a traceback in the body")
        found += [f"internal path {p!r} in the body" for p in INTERNAL if p in text]
    return found
