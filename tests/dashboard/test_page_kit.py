"""The page kit (dashboard.page_kit): a new page is one new file.

The example page below is written as one file into a pages package of its own; the app made after that
serves it, lists it in the navigation, parses its URL through its declared parameters (a refused value
gives the notice) and answers its module-level callback. Nothing else is edited.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dash
import pytest

from bench.dashflow import body, find_callback
from dashboard import answer_cache, callback_guard, i18n, page_kit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PAGE = '''
"""/demo: a colour, chosen in the URL."""

from dash import Input, Output, State, dcc, html

from dashboard.callback_guard import ID, optional
from dashboard.page_kit import Page
from dashboard.page_params import Param, notice_block, parse_params, strip_private, view_params

PAGE = Page(
    __name__,
    path="/demo",
    name="Demo",
    title="Demo",
    nav={"sv": "Exempel", "en": "Example"},
    order=99,
    property_types={"demo-colour.value": optional(ID)},  # what its callback reads (dashboard.callback_guard)
)


def spec(_chosen):
    return [Param("colour", ("red", "blue"), "red")]


def layout(written=None, **raw):
    params, notices = parse_params(strip_private(raw), spec)
    return html.Div(
        [
            dcc.Store(id="demo-params", data=view_params(params)),
            html.Div(notice_block(notices, params["lang"]), id="demo-notice"),
            dcc.RadioItems(id="demo-colour", options=["red", "blue"], value=params["colour"]),
            html.P(params["colour"], id="demo-shown"),
        ]
    )


@PAGE.callback(
    Output("demo-shown", "children"),
    Output("demo-params", "data"),
    Input("demo-colour", "value"),
    State("demo-params", "data"),
    prevent_initial_call=True,
)
def chosen(colour, previous):
    params, _ = parse_params({**previous["params"], "colour": colour}, spec)
    return params["colour"], view_params(params)


PAGE.url_writer("demo-params")
'''


def _components(tree: Any) -> dict[str, dict]:
    """Every component with an id in a layout's JSON, by id, in document order."""
    found: dict[str, dict] = {}
    todo = [tree]
    while todo:
        node = todo.pop()
        children = (
            node if isinstance(node, list) else list(node.get("props", {}).values()) if isinstance(node, dict) else []
        )
        if isinstance(node, dict) and isinstance(node.get("props", {}).get("id"), str):
            found[node["props"]["id"]] = node
        todo.extend(reversed(children))
    return found


@pytest.fixture
def demo_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load_snapshot):
    """An app whose pages include the one-file example page (removed again afterwards)."""
    package = tmp_path / "kit_example_pages"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "demo.py").write_text(EXAMPLE_PAGE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(callback_guard, "PROPERTY_TYPES", dict(callback_guard.PROPERTY_TYPES))
    for kept in ("_gets", "_answers"):  # answers kept per process (the callback graph): this app's own
        monkeypatch.setattr(answer_cache, kept, {})
    monkeypatch.setattr(page_kit, "PAGE_PACKAGES", [*page_kit.PAGE_PACKAGES, "kit_example_pages"])
    from dashboard.app import create_app

    url = load_snapshot(f"sqlite:///{tmp_path / 'store.sqlite'}")
    app = create_app(url)
    yield app.server.test_client()
    for module in ("kit_example_pages.demo", "kit_example_pages"):
        sys.modules.pop(module, None)
        dash.page_registry.pop(module, None)
    page_kit._DECLARED.pop("kit_example_pages.demo", None)


def test_a_page_in_one_new_file_is_served_listed_and_parses_its_url(demo_client) -> None:
    assert demo_client.get("/demo").status_code == 200
    layout = demo_client.get("/_dash-layout", headers={"Referer": "http://localhost/demo?colour=green&lang=en"})
    shown = _components(layout.get_json())
    # in the navigation, after the declared pages, labelled in the URL's language and marked active
    nav = [i for i in shown if i.startswith("nav-")]
    assert nav[-1] == "nav-demo" and nav[:2] == ["nav-oversikt", "nav-jamfor"]
    assert shown["nav-demo"]["props"]["children"] == "Example"
    assert shown["nav-demo"]["props"]["className"] == "nav-link active"
    assert shown["nav-demo"]["props"]["href"] == "/demo?lang=en"
    # the refused value: the notice, the default, the canonical URL
    notice = i18n.t("notice_invalid", "en", param="colour", value="green")
    assert notice in str(shown["demo-notice"]["props"]["children"])
    assert shown["demo-shown"]["props"]["children"] == "red"
    assert shown["demo-params"]["props"]["data"] == {
        "search": "?colour=red&lang=en",
        "params": {"colour": "red", "lang": "en"},
    }


def test_the_example_pages_module_level_callback_and_url_writer_are_attached(demo_client) -> None:
    dependencies = demo_client.get("/_dash-dependencies").get_json()
    writer = find_callback(dependencies, "url-written.data")  # the first URL writer declared, /jamfor's
    assert writer["clientside_function"] is not None
    outputs = [d["output"] for d in dependencies]
    assert any("demo-params.data" in o for o in outputs) and any("url.search@" in o for o in outputs)
    callback = find_callback(dependencies, "demo-shown.children")
    previous = {"search": "?colour=red&lang=sv", "params": {"colour": "red", "lang": "sv"}}
    values = {"demo-colour.value": "blue", "demo-params.data": previous}
    answer = demo_client.post("/_dash-update-component", json=body(callback, values, ["demo-colour.value"]))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    response = answer.get_json()["response"]
    assert response["demo-shown"]["children"] == "blue"
    assert response["demo-params"]["data"]["search"] == "?colour=blue&lang=sv"


def test_the_pages_declare_themselves_and_the_app_lists_none() -> None:
    """Every page module declares a Page and defines no register(); app.py names no page and uses no private
    Dash helper; the navigation is the declared order."""
    pages = page_kit.declared()
    assert [p.path for p in pages] == [
        "/",
        "/jamfor",
        "/nyckeltal",
        "/karta",
        "/pendling",
        "/befolkning",
        "/om",
        "/tillganglighet",
    ]
    for page in pages:
        assert not hasattr(sys.modules[page.module], "register"), page.module
        assert callable(sys.modules[page.module].layout), page.module
    app_source = (ROOT / "dashboard" / "app.py").read_text()
    assert "dash._pages" not in app_source and "dashboard.pages" not in app_source
    for path in (ROOT / "dashboard").rglob("*.py"):
        assert "dash._pages" not in path.read_text(), path


def test_query_params_as_dashs_router_gives_them() -> None:
    assert page_kit.query_params("?a=1&b=&a=2&c=x") == {"a": ["1", "2"], "b": "", "c": "x"}
    assert page_kit.query_params("") == {} and page_kit.query_params(None) == {}


def test_a_page_labelled_by_language_must_give_every_language() -> None:
    with pytest.raises(ValueError, match="nav labels must be given in exactly sv, en"):
        page_kit.Page("kit_example_pages.half", path="/half", name="Half", title="Half", nav={"sv": "Halv"})
    assert "kit_example_pages.half" not in page_kit._DECLARED


def test_a_page_cannot_type_a_property_another_page_or_the_app_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callback_guard, "PROPERTY_TYPES", dict(callback_guard.PROPERTY_TYPES))
    page = page_kit.Page(
        "kit_example_pages.clash", path="/clash", name="Clash", title="Clash", property_types={"url.search": None}
    )
    page_kit._DECLARED.pop("kit_example_pages.clash")
    with pytest.raises(ValueError, match=r"page /clash: the type of url.search is declared already"):
        page.install(dash.Dash(__name__), None)
