"""Static serving: compressed once per process, long-lived cache headers for fingerprinted URLs,
the partial plotly.js bundle on every page, the worker warm-up."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from dashboard import answer_cache, data, static_compression, static_files
from dashboard.warm_up import warm_up

ROOT = Path(__file__).resolve().parents[2]


def _scripts(client, path: str = "/jamfor") -> list[str]:
    page = client.get(path, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    return re.findall(r'src="(/(?:_dash-component-suites|assets)/[^"]+)"', page)


def _url(scripts: list[str], part: str) -> str:
    return next(u for u in scripts if part in u)


def test_fingerprinted_component_suite_is_cached_for_a_year_and_compressed_once(client, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(tmp_path))  # an empty disk cache
    calls: list[tuple[int, str]] = []
    real = static_compression.compress
    monkeypatch.setattr(static_compression, "compress", lambda d, e: calls.append((len(d), e)) or real(d, e))
    static_compression._cache.clear()
    answer_cache._gets.clear()
    url = _url(_scripts(client), "dash_core_components.v")
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert raw.headers.get("Content-Encoding") is None
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    second = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == second.status_code == 200
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert gzip.decompress(second.data) == raw.data
    assert calls == [(len(raw.data), "gzip")]  # the second request used the stored bytes
    client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert calls == [(len(raw.data), "gzip"), (len(raw.data), "br")]
    # a restart (empty memory cache) reads the compressed bytes kept on disk instead of compressing again
    static_compression._cache.clear()
    answer_cache._gets.clear()
    again = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert again.data == second.data and len(calls) == 2
    kept = [p for p in (tmp_path / "static").iterdir() if not p.name.startswith(".")]  # (.lock: file locks)
    assert sorted(p.suffix for p in kept) == [".br", ".gz"]


def test_brotli_preferred_and_exact(client) -> None:
    url = _url(_scripts(client), "dash_renderer")
    raw = client.get(url, headers={"Accept-Encoding": "identity"}).data
    resp = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert resp.headers["Content-Encoding"] == "br"
    assert brotli.decompress(resp.data) == raw


def test_partial_plotly_bundle_and_loader_are_assets(client) -> None:
    page = client.get("/jamfor", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    tags = re.findall(r'<script src="([^"]+)"|<link rel="(preload|stylesheet)" href="([^"]+)"', page)
    scripts = [src for src, _, _ in tags if src]
    bundle = _url(scripts, "/assets/plotly-scatter-bar-")
    loader = _url(scripts, "/assets/plotly-loader.js")
    # run last (after React, Dash's renderer and dcc), asked for first: a preload link in <head>
    assert scripts[-2:] == [bundle, loader]
    assert tags[0] == ("", "preload", bundle) and page.index('rel="preload"') < page.index("</head>")
    resp = client.get(bundle, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"  # ?m=<mtime> fingerprint
    body = gzip.decompress(resp.data)
    assert body.startswith(b"/**\n* plotly.js (scatter-bar - minified) v")
    assert len(body) < 2_000_000
    # same plotly.js version as the full bundle Dash serves for the other trace types
    from plotly.offline import get_plotlyjs_version

    assert f"v{get_plotlyjs_version()}".encode() in body[:100]
    assert not any("package_data/plotly.min.js" in s for s in scripts)


def test_unfingerprinted_static_revalidates(client) -> None:
    resp = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js", headers={"Accept-Encoding": "br"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=3600, must-revalidate"
    assert resp.headers["Content-Encoding"] == "br" and resp.headers.get("ETag")


def test_pages_and_callbacks_are_not_cached_by_serving(client) -> None:
    resp = client.get("/jamfor", headers={"Accept-Encoding": "identity"})
    assert "immutable" not in resp.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),  # the client's preference counts
        ("*", "br"),
        ("identity", None),
        (None, None),
    ],
)
def test_accepted_encoding(header, expected) -> None:
    assert static_compression.accepted_encoding(header) == expected


def test_fingerprint_rules() -> None:
    assert static_files.is_fingerprinted(
        "/_dash-component-suites/dash/dcc/dash_core_components.v4_4_1m1795747370.js", ""
    )
    assert not static_files.is_fingerprinted("/_dash-component-suites/plotly/package_data/plotly.min.js", "")
    assert static_files.is_fingerprinted("/assets/style.css", "m=1795748069.5")
    assert not static_files.is_fingerprinted("/assets/style.css", "")


def test_warm_up_fills_the_caches(app) -> None:
    data.configure(app.store_url)
    static_compression._cache.clear()
    answer_cache._gets.clear()
    report = warm_up(app)
    assert report["static_files"] >= 10
    assert report["compressed"] >= 2 * report["static_files"] - 4  # br + gzip of each (tiny files skipped)
    from dashboard.pages import jamfor

    assert any(key[0] == data.dataset().version for key in jamfor._VIEWS)


def test_gunicorn_config_is_production_ready() -> None:
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), namespace)
    # threaded workers, so slow clients hold a thread, not a worker (tests/dashboard/test_slow_clients.py)
    assert namespace["worker_class"] == "gthread" and namespace["threads"] == 16 and namespace["workers"] >= 1
    assert callable(namespace["guard_slow_clients"]) and namespace["CLIENT_BODY_TIMEOUT"] == 10.0
    assert namespace["control_socket_disable"] is True and namespace["preload_app"] is True
    assert namespace["timeout"] == 30 and namespace["accesslog"] == "-"
    assert all(callable(namespace[h]) for h in ("when_ready", "post_fork", "post_worker_init"))


def _view_body(client, regions: list[str]) -> dict:
    from bench.dashflow import body, find_callback, jamfor_state

    main = find_callback(client.get("/_dash-dependencies").get_json(), "ts-graph.figure")
    return body(main, {**jamfor_state(), "jf-regions.value": regions}, ["jf-regions.value"])


def _tyreso_2024(answer: bytes) -> float:
    import json

    traces = json.loads(brotli.decompress(answer))["response"]["ts-graph"]["figure"]["data"]
    trace = next(t for t in traces if t["meta"]["region_code"] == "0138")
    return trace["y"][trace["x"].index(2024)]


def _publish_tyreso_2024_plus_one(store_url: str, origin: str) -> float:
    """Publish the store's dataset again with Tyresö's 2024 population one higher; returns the old value."""
    from etl.catalog import load_catalog
    from etl.regions import load_regions
    from etl.store import Store

    store = Store(store_url)
    try:
        _, frame = store.read_observations()
        hit = (frame["indicator_id"] == "population") & (frame["region_code"] == "0138") & (frame["year"] == 2024)
        hit &= frame["sex"] == "T"
        before = float(frame.loc[hit, "value"].iloc[0])
        frame.loc[hit, "value"] = before + 1
        store.publish(frame, load_catalog(), load_regions(), origin=origin)
    finally:
        store.dispose()
    return before


def test_same_callback_answered_from_the_answer_cache_until_a_publish(client, app) -> None:
    payload = _view_body(client, ["0138", "0127"])
    headers = {"Accept-Encoding": "br"}
    first = client.post("/_dash-update-component", json=payload, headers=headers)
    hits = answer_cache.stats["answer_hits"]
    again = client.post("/_dash-update-component", json=payload, headers=headers)
    assert answer_cache.stats["answer_hits"] == hits + 1
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert again.headers["Content-Encoding"] == "br" and again.headers["X-Content-Type-Options"] == "nosniff"
    # another body is another answer
    other = client.post("/_dash-update-component", json=_view_body(client, ["0138"]), headers=headers)
    assert answer_cache.stats["answer_hits"] == hits + 1 and other.get_data() != first.get_data()

    # a publish is a new dataset version: the same body is answered from the new data
    before = _publish_tyreso_2024_plus_one(app.store_url, "test: answer cache")
    assert _tyreso_2024(first.get_data()) == before
    after = client.post("/_dash-update-component", json=payload, headers=headers)
    assert _tyreso_2024(after.get_data()) == before + 1


def test_observations_cache_is_named_by_version_and_hash_and_reads_back_equal(app, tmp_path, monkeypatch) -> None:
    import pandas as pd

    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(tmp_path))
    first = data.DataSource(app.store_url).dataset()
    state = data.DataSource(app.store_url).store.state()
    files = list(tmp_path.glob("observations-v*.arrow"))
    assert [f.name for f in files] == [f"observations-v{state.version}-{state.content_sha256[:16]}.arrow"]
    again = data.DataSource(app.store_url).dataset()  # from the cache file
    pd.testing.assert_frame_equal(again.observations, first.observations)
    assert again.version == first.version == state.version


def test_a_dataset_load_asks_the_store_for_its_state_once(app, monkeypatch, tmp_path) -> None:
    from etl.store import Store

    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(tmp_path))
    real, calls = Store.state, []
    monkeypatch.setattr(Store, "state", lambda self: calls.append(1) or real(self))
    source = data.DataSource(app.store_url)
    dataset = source.dataset()
    assert len(calls) == 1
    assert source.state().version == dataset.version and len(calls) == 1


def _components(node, found: dict) -> dict:
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            cid = node["props"].get("id")
            if isinstance(cid, str):
                found[cid] = node
        for value in node.values():
            _components(value, found)
    elif isinstance(node, list):
        for value in node:
            _components(value, found)
    return found


def test_initial_layout_holds_the_opened_page_so_no_routing_callback_is_needed(client) -> None:
    link = "/jamfor?indicator=population&regions=0127,0181&from=2000&to=2024&year=2024&mode=value&sex=T&ref=01&lang=sv"
    resp = client.get("/_dash-layout", headers={"Referer": "http://localhost" + link})
    assert resp.headers["Cache-Control"] == "no-cache" and "Referer" in resp.headers["Vary"]
    parts = _components(resp.get_json(), {})
    location = parts["_pages_location"]["props"]
    assert (location["pathname"], location["search"]) == ("/jamfor", link[len("/jamfor") :])
    figure = parts["ts-graph"]["props"]["figure"]
    assert [trace["name"] for trace in figure["data"]] == ["Botkyrka", "Södertälje", "Stockholms län"]
    botkyrka = figure["data"][0]
    assert botkyrka["y"][botkyrka["x"].index(2024)] == 95905
    table = json.loads(parts["jf-table"]["props"]["data-table"])  # built by assets/a11y.js
    assert table["id"] == "jf-data-table" and len(table["rows"]) == 75
    assert table["rows"][24][:3] == ["Botkyrka", "2024", "95\u202f905"]
    # no Referer, or another host's: the page is left to Dash's routing callback, as before
    for headers in ({}, {"Referer": "http://elsewhere.example" + link}):
        plain = _components(client.get("/_dash-layout", headers=headers).get_json(), {})
        assert "ts-graph" not in plain and "pathname" not in plain["_pages_location"]["props"]


def test_a_host_with_no_cache_loads_the_stores_packed_copy_else_the_rows(
    app, tmp_path, monkeypatch, load_snapshot
) -> None:
    import pandas as pd
    from sqlalchemy import text

    from etl.catalog import load_catalog
    from etl.query import Dataset
    from etl.regions import load_regions
    from etl.store import Store

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", "")  # publish: no cache file anywhere
    load_snapshot(url)  # the deploy step publishes the snapshot (with its packed copy)
    store = Store(url)
    version, frame = store.read_observations()
    expected = Dataset(version, frame, load_catalog(), load_regions()).observations
    # a second host: its own empty cache folder, never the rows while the store's copy checks out
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(tmp_path / "host-b"))
    real = Store.read_observations_packed
    monkeypatch.setattr(Store, "read_observations_packed", lambda self: pytest.fail("read the rows"))
    host_b = data.DataSource(url).dataset()
    pd.testing.assert_frame_equal(host_b.observations, expected)
    assert host_b.version == version == 1
    assert (
        [p.name for p in (tmp_path / "host-b").iterdir()]
        == [  # kept as the host's local copy
            f"observations-v{version}-{store.state().content_sha256[:16]}.arrow"
        ]
    )
    # a damaged copy is not used: a third host reads the rows and gets the same dataset
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE observations_packed SET data = data || x'00'"))
    store.dispose()
    monkeypatch.setattr(Store, "read_observations_packed", real)
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(tmp_path / "host-c"))
    host_c = data.DataSource(url).dataset()
    pd.testing.assert_frame_equal(host_c.observations, expected)


def test_warm_up_without_compressing_leaves_static_files_to_the_workers(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("NYCKELTAL_OBSERVATIONS_CACHE", str(tmp_path))  # no compressed file on disk yet
    data.configure(app.store_url)
    static_compression._cache.clear()
    answer_cache._gets.clear()
    static_compression.pending.clear()
    before = static_compression.stats["compressions"]
    report = warm_up(app, compress=False)  # what gunicorn's master does
    assert static_compression.stats["compressions"] == before and report["compressed"] == 0
    assert report["compression_deferred"] == len(static_compression.pending) >= 10
    deferred = list(static_compression.pending)
    thread = static_compression.compress_in_background(app)  # what each worker starts once it serves
    assert thread is not None
    thread.join()
    assert static_compression.pending == [] and static_compression.stats["compressions"] == before + 2 * len(deferred)
    # the next start (or another worker) loads them from disk in the warm-up: nothing left to compress
    static_compression._cache.clear()
    answer_cache._gets.clear()
    again = warm_up(app, compress=False)
    assert again["compression_deferred"] == 0 and again["compressed"] == 2 * len(deferred)
    assert static_compression.stats["compressions"] == before + 2 * len(deferred)
    client = app.server.test_client()
    url = deferred[0]
    raw = client.get(url, headers={"Accept-Encoding": "identity"}).data
    assert brotli.decompress(client.get(url, headers={"Accept-Encoding": "br"}).data) == raw


def _tyreso_in_layout(resp) -> float:
    figure = _components(json.loads(brotli.decompress(resp.get_data())), {})["ts-graph"]["props"]["figure"]
    trace = next(t for t in figure["data"] if t["meta"]["region_code"] == "0138")
    return trace["y"][trace["x"].index(2024)]


def test_initial_layout_answered_again_per_page_until_a_publish(client, app) -> None:
    """The finished /_dash-layout answer is kept per opened page (Referer), host and dataset version."""
    link = "http://localhost/jamfor?indicator=population&regions=0138&from=2000&to=2024&year=2024"
    headers = {"Accept-Encoding": "br", "Referer": link}
    first = client.get("/_dash-layout", headers=headers)
    hits = answer_cache.stats["get_hits"]
    again = client.get("/_dash-layout", headers=headers)
    assert answer_cache.stats["get_hits"] == hits + 1 and again.get_data() == first.get_data()
    assert again.headers["Content-Encoding"] == "br" and again.headers["Vary"] == first.headers["Vary"]
    assert again.headers["Cache-Control"] == "no-cache" and again.headers["X-Content-Type-Options"] == "nosniff"
    other = client.get("/_dash-layout", headers={**headers, "Referer": link + "&lang=en"})
    assert answer_cache.stats["get_hits"] == hits + 1 and other.get_data() != first.get_data()

    old_version = data.dataset().version
    assert {k[1] for k in answer_cache._gets if k[0] == "layout"} == {old_version}
    before = _publish_tyreso_2024_plus_one(app.store_url, "test: layout answer cache")
    assert _tyreso_in_layout(first) == before
    data.source()._checked = float("-inf")  # the next request looks at the store's version at once
    assert _tyreso_in_layout(client.get("/_dash-layout", headers=headers)) == before + 1
    # the older version's layouts (both pages) are let go as the first layout of the new one is kept
    assert {k[1] for k in answer_cache._gets if k[0] == "layout"} == {old_version + 1}


def test_static_answer_kept_but_conditional_requests_still_revalidate(client) -> None:
    url = _url(_scripts(client), "plotly-scatter-bar")
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    hits = answer_cache.stats["get_hits"]
    second = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert answer_cache.stats["get_hits"] == hits + 1 and second.get_data() == first.get_data()
    assert second.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    unchanged = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and answer_cache.stats["get_hits"] == hits + 1


def test_initial_layout_holds_the_opened_pages_header_so_it_is_not_redrawn_on_load(client) -> None:
    """The header of /jamfor?lang=en is English with Jämför active from the start; the header callback that runs
    on load changes nothing, and still redraws the header when the URL moves on."""
    from bench.dashflow import body, find_callback

    layout = _components(
        client.get("/_dash-layout", headers={"Referer": "http://localhost/jamfor?lang=en"}).get_json(), {}
    )
    shown = layout["site-header-for"]["props"]["data"]
    assert shown[:3] == ["en", "/jamfor", "?lang=en"]
    assert layout["nav-jamfor"]["props"]["className"] == "nav-link active"
    assert layout["nav-jamfor"]["props"]["children"] == "Compare"
    header = find_callback(client.get("/_dash-dependencies").get_json(), "site-header.children")

    def answer(pathname: str, search: str) -> dict:
        values = {"url.pathname": pathname, "url.search": search, "site-header-for.data": shown}
        return client.post("/_dash-update-component", json=body(header, values, ["url.pathname"])).get_json()

    assert answer("/jamfor", "?lang=en")["response"] == {}
    moved = answer("/karta", "?lang=sv")["response"]
    assert moved["site-header-for"]["data"][:3] == ["sv", "/karta", "?lang=sv"]
    links = _components(moved["site-header"]["children"], {})
    assert links["nav-karta"]["props"]["className"] == "nav-link active"
    assert links["nav-karta"]["props"]["children"] == "Karta"


def test_about_page_shows_a_failed_run_at_once_in_both_languages(client, app) -> None:
    """/om reads the runs table on every request (issue 15): its layout is never kept, though the dataset
    version stays the same after a failed refresh; the pages that depend only on the version still are."""
    from etl.store import Store

    def runs_text(lang: str) -> str:
        referrer = "http://localhost/om" + ("?lang=en" if lang == "en" else "")
        resp = client.get("/_dash-layout", headers={"Accept-Encoding": "identity", "Referer": referrer})
        assert resp.status_code == 200
        return json.dumps(resp.get_json(), ensure_ascii=False)

    assert answer_cache.is_live_page("http://localhost/om?lang=en") and not answer_cache.is_live_page(
        "http://localhost/jamfor"
    )
    version = data.dataset().version
    before = {lang: runs_text(lang) for lang in ("sv", "en")}
    store = Store(app.store_url)
    try:
        run = store.start_run("manual")
        store.finish_run(run, "failed", error="SCB TAB638: HTTP 503 Service Unavailable")
    finally:
        store.dispose()
    assert data.dataset().version == version  # nothing was published
    after = {lang: runs_text(lang) for lang in ("sv", "en")}
    for lang, status in (("sv", "misslyckad, inget publicerat"), ("en", "failed, nothing published")):
        assert status not in before[lang] and status in after[lang]
        assert "SCB TAB638: HTTP 503 Service Unavailable" in after[lang]
    assert not any(k[0] == "layout" and "/om" in str(k[-1]) for k in answer_cache._gets)
