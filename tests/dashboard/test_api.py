"""The /api/v1 data API: exact CSV/JSON/zip content, ETag/304, every refusal as 4xx JSON, same rows as /jamfor."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask

from dashboard import data
from dashboard.api import bp
from dashboard.pages.jamfor import ts_selection
from dashboard.state import context_from, parse_query
from etl.catalog import load_catalog
from etl.exporters import json_records
from etl.query import query
from etl.regions import load_regions
from etl.snapshot import load_snapshot_into
from etl.store import Store

HEADER = "indicator_id,indicator,region_code,region,year,sex,value,unit,status,source,source_ref,retrieved_at\n"
CHANGE = "/api/v1/observations.csv?indicator=population&regions=0127,sodertorn&from=2023&to=2024&mode=change"


def test_csv_exact_comma_and_point(client) -> None:
    r = client.get(CHANGE)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.decode() == HEADER + (
        'population,Folkmängd,0127,Botkyrka,2023,T,0.2191166141,"procent, förändring mot föregående år",computed,SCB,"SCB TAB638 BE0101N1 (förändring mot föregående år, %)",2026-09-13T21:55:39Z\n'
        'population,Folkmängd,0127,Botkyrka,2024,T,0.327433258,"procent, förändring mot föregående år",computed,SCB,"SCB TAB638 BE0101N1 (förändring mot föregående år, %)",2026-09-13T21:55:39Z\n'
        'population,Folkmängd,sodertorn,Södertörn,2023,T,0.4929872325,"procent, förändring mot föregående år",computed,computed,"Södertörn: summa av 8 kommuner (förändring mot föregående år, %)",2026-09-13T21:55:39Z\n'
        'population,Folkmängd,sodertorn,Södertörn,2024,T,0.5372256271,"procent, förändring mot föregående år",computed,computed,"Södertörn: summa av 8 kommuner (förändring mot föregående år, %)",2026-09-13T21:55:39Z\n'
    )


def test_csv_file_names_follow_the_dashboards_rule(client) -> None:
    """The same rule as the download buttons: the Swedish-Excel layout is `_excel.csv`, the plain CSV `.csv`."""
    plain = client.get(CHANGE).headers["Content-Disposition"]
    excel = client.get(CHANGE + "&sep=;&decimal=,").headers["Content-Disposition"]
    assert plain == 'attachment; filename="folkmangd_0127-sodertorn_2023-2024.csv"'
    assert excel == 'attachment; filename="folkmangd_0127-sodertorn_2023-2024_excel.csv"'
    en = client.get(CHANGE + "&lang=en").headers["Content-Disposition"]
    assert en == 'attachment; filename="population_0127-sodertorn_2023-2024.csv"'


def test_csv_exact_semicolon_and_decimal_comma(client) -> None:
    r = client.get(CHANGE + "&sep=;&decimal=,")
    assert r.data.decode() == HEADER.replace(",", ";") + (
        "population;Folkmängd;0127;Botkyrka;2023;T;0,2191166141;procent, förändring mot föregående år;computed;SCB;SCB TAB638 BE0101N1 (förändring mot föregående år, %);2026-09-13T21:55:39Z\n"
        "population;Folkmängd;0127;Botkyrka;2024;T;0,327433258;procent, förändring mot föregående år;computed;SCB;SCB TAB638 BE0101N1 (förändring mot föregående år, %);2026-09-13T21:55:39Z\n"
        "population;Folkmängd;sodertorn;Södertörn;2023;T;0,4929872325;procent, förändring mot föregående år;computed;computed;Södertörn: summa av 8 kommuner (förändring mot föregående år, %);2026-09-13T21:55:39Z\n"
        "population;Folkmängd;sodertorn;Södertörn;2024;T;0,5372256271;procent, förändring mot föregående år;computed;computed;Södertörn: summa av 8 kommuner (förändring mot föregående år, %);2026-09-13T21:55:39Z\n"
    )


def test_readme_curl_example_eight_municipalities(client) -> None:
    """docs/exports-and-api.md's example: population of the eight (the default regions) as Swedish CSV."""
    r = client.get("/api/v1/observations.csv?indicator=population&from=2024&to=2024&sep=;&decimal=,")
    lines = r.data.decode().splitlines()
    assert [ln.split(";")[3] for ln in lines[1:]] == [
        "Botkyrka",
        "Haninge",
        "Huddinge",
        "Nykvarn",
        "Nynäshamn",
        "Salem",
        "Södertälje",
        "Tyresö",
    ]
    assert lines[1].split(";")[6] == "95905"


def test_json_exact(client) -> None:
    r = client.get(
        "/api/v1/observations.json?indicator=population,tax_rate_total&regions=0127&from=2024&to=2024&lang=en"
    )
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["dataset_version"] == 1 and body["count"] == 2
    assert body["columns"] == HEADER.strip().split(",")
    assert body["observations"] == [
        {
            "indicator_id": "population",
            "indicator": "Population",
            "region_code": "0127",
            "region": "Botkyrka",
            "year": 2024,
            "sex": "T",
            "value": 95905,
            "unit": "persons",
            "status": "ok",
            "source": "SCB",
            "source_ref": "SCB TAB638 BE0101N1",
            "retrieved_at": "2026-09-13T21:55:39Z",
        },
        {
            "indicator_id": "tax_rate_total",
            "indicator": "Total local tax rate",
            "region_code": "0127",
            "region": "Botkyrka",
            "year": 2024,
            "sex": "T",
            "value": 32.53,
            "unit": "per cent (SEK per SEK 100)",
            "status": "ok",
            "source": "SCB",
            "source_ref": "SCB TAB2017 OE0101D1",
            "retrieved_at": "2026-09-14T06:31:25Z",
        },
    ]


def test_missing_value_is_null_not_zero(client) -> None:
    body = client.get("/api/v1/observations.json?indicator=population&regions=0140&from=1990&to=1990").get_json()
    assert [(o["value"], o["status"]) for o in body["observations"]] == [(None, "missing")]
    (row,) = body["observations"]
    assert row["source_ref"] == "SCB TAB638 BE0101N1 — kommunen fanns inte (bildades 1999)"


def test_missing_rows_with_their_reason_for_every_region_and_year(client) -> None:
    """A region/year with no value is a row: status missing, empty value, the reason in source_ref."""
    r = client.get("/api/v1/observations.csv?indicator=deaths&regions=0140,sodertorn&from=2021&to=2022&lang=en")
    assert r.status_code == 200
    assert r.get_data(as_text=True).splitlines() == [
        "indicator_id,indicator,region_code,region,year,sex,value,unit,status,source,source_ref,retrieved_at",
        "deaths,Deaths,0140,Nykvarn,2021,T,,persons,missing,,no value in the dataset,",
        "deaths,Deaths,0140,Nykvarn,2022,T,71,persons,ok,Mariefreds Tidning (secondary source),"
        "https://mariefredstidning.se/2023/02/22/befolkningen-okar-i-nykvarn-nu-11-664/,",
        "deaths,Deaths,sodertorn,Södertörn,2021,T,,persons,missing,computed,"
        "Södertörn: sum of 8 municipalities — lacks a value for at least one of the municipalities,",
        "deaths,Deaths,sodertorn,Södertörn,2022,T,,persons,missing,computed,"
        "Södertörn: sum of 8 municipalities — lacks a value for at least one of the municipalities,",
    ]


def test_indicators_and_regions(client) -> None:
    inds = {i["id"]: i for i in client.get("/api/v1/indicators").get_json()["indicators"]}
    pop = inds["population"]
    assert pop["label"] == {"sv": "Folkmängd", "en": "Population"}
    assert pop["unit"]["id"] == "persons" and pop["source"] == "SCB"
    assert pop["coverage"]["last_year"] == 2025 and "0127" in pop["coverage"]["regions"]
    assert {"source": "SCB", "name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"} in pop[
        "licence"
    ]
    assert pop["breaks"] == [
        {"year": 2025, "label": {"sv": "Ny tabell med CKM-brus (TAB5557)", "en": "New table with CKM noise (TAB5557)"}}
    ]
    assert len(pop["notes"]) == 2 and pop["last_retrieved"].startswith("2026-")
    commuting = inds["net_commuting"]
    assert [b["year"] for b in commuting["breaks"]] == [
        b.year for b in load_catalog().indicators["net_commuting"].breaks
    ]
    assert {2004, 2011, 2019} <= {b["year"] for b in commuting["breaks"]}
    regs = client.get("/api/v1/regions").get_json()
    botkyrka = next(r for r in regs["regions"] if r["code"] == "0127")
    assert botkyrka == {
        "code": "0127",
        "name": {"sv": "Botkyrka", "en": "Botkyrka"},
        "level": "municipality",
        "groups": ["sodertorn", "stockholms_lan"],
    }
    assert regs["groups"][0]["members"] == ["0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138"]


def test_bundle_zip_contents(client) -> None:
    url = "/api/v1/bundle.zip?indicator=population&regions=0127&from=2024&to=2024&sep=;&decimal=,"
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert r.headers["Content-Disposition"] == 'attachment; filename="nyckeltal-v1.zip"'
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    assert zf.namelist() == ["observations.csv", "metadata.json", "README.txt"]
    assert zf.read("observations.csv").decode() == HEADER.replace(",", ";") + (
        "population;Folkmängd;0127;Botkyrka;2024;T;95905;personer;ok;SCB;SCB TAB638 BE0101N1;2026-09-13T21:55:39Z\n"
    )
    meta = json.loads(zf.read("metadata.json"))
    assert meta["dataset_version"] == 1 and meta["rows"] == 1
    assert meta["query"]["indicators"] == ["population"] and meta["query"]["sep"] == ";"
    assert meta["licences"]["Kolada"]["name"] == "CC BY 4.0" and meta["indicators"][0]["id"] == "population"
    readme = zf.read("README.txt").decode()
    # the publishers of these rows and their licences, from the one licence module (etl.licences)
    assert (
        "Licences (the publishers of these rows)\n  SCB: CC0 1.0 https://creativecommons.org/publicdomain/zero/1.0/\n"
        in readme
    )
    assert "Kolada: CC BY 4.0" not in readme  # no row of this request comes from Kolada
    assert "Citation" in readme and "dataset version 1" in readme
    assert "series break 2025: New table with CKM noise (TAB5557)" in readme
    assert client.get(url).data == r.data  # byte-identical for the same data and request


def test_etag_304_and_change_after_publish(app, client) -> None:
    url = "/api/v1/observations.csv?indicator=population&regions=0127&from=2020&to=2024"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    tag = first.headers["ETag"]
    assert tag.startswith('"1-') and tag.endswith(':gzip"')
    assert first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.data).decode().count("\n") == 6
    assert first.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
    plain = client.get(url)
    assert plain.headers["ETag"] == tag.replace(":gzip", "") and "Content-Encoding" not in plain.headers
    for sent in (tag, plain.headers["ETag"]):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == plain.headers["ETag"]
    # parameter order and spelling do not matter: the normalised request is hashed
    same = client.get("/api/v1/observations.csv?to=2024&from=2020&regions=0127,0127&indicator=population")
    assert same.headers["ETag"] == plain.headers["ETag"]

    store = Store(app.store_url)
    _, frame = store.read_observations()
    store.publish(frame, load_catalog(), load_regions(), origin="test")
    store.dispose()
    after = client.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"].startswith('"2-')
    assert after.data == plain.data


@pytest.mark.parametrize(
    ("url", "status", "param", "message"),
    [
        ("/api/v1/observations.csv?indicator=nope", 400, "indicator", "unknown indicator 'nope'"),
        ("/api/v1/observations.csv", 400, "indicator", "indicator is required"),
        ("/api/v1/observations.csv?indicator=population&regions=9999", 400, "regions", "unknown region '9999'"),
        ("/api/v1/observations.csv?indicator=population&from=1800", 400, "from", "outside the years"),
        ("/api/v1/observations.csv?indicator=population&from=2020&to=2010", 400, "from", "after to"),
        ("/api/v1/observations.csv?indicator=population&from=20x0", 400, "from", "not a year"),
        ("/api/v1/observations.csv?indicator=population&sex=X", 400, "sex", "not one of"),
        ("/api/v1/observations.csv?indicator=tax_rate_total&mode=per1000", 400, "mode", "counts only"),
        ("/api/v1/observations.csv?indicator=population&mode=per1000", 400, "mode", "1 000 everywhere"),
        ("/api/v1/observations.csv?indicator=net_migration&mode=index&base=2000", 400, "mode", "cannot be zero"),
        ("/api/v1/observations.csv?indicator=population&mode=cubic", 400, "mode", "not one of"),
        ("/api/v1/observations.csv?indicator=population&sep=|", 400, "sep", "not one of"),
        ("/api/v1/observations.csv?indicator=population&sep=,&decimal=,", 400, "decimal", "both"),
        ("/api/v1/observations.json?indicator=population&sep=;", 400, "sep", "unknown parameter"),
        ("/api/v1/observations.csv?indicator=population&indicator=births", 400, "indicator", "given 2 times"),
        ("/api/v1/observations.csv?indicator=population&colour=red", 400, "colour", "unknown parameter"),
        ("/api/v1/observations.csv?indicator=population&base=2000", 400, "base", "mode=index only"),
        (
            "/api/v1/observations.csv?indicator=" + ",".join(["population"] * 3 + [f"x{i}" for i in range(12)]),
            400,
            "indicator",
            "too many indicators",
        ),
        (
            "/api/v1/observations.csv?indicator=population&regions=" + ",".join(f"{i:04d}" for i in range(41)),
            400,
            "regions",
            "too many regions",
        ),
        ("/api/v1/observations.xml?indicator=population", 404, None, "no such format"),
        ("/api/v1/nothing", 404, None, "no such endpoint"),
        ("/api/v2/observations.csv", 404, None, "no such endpoint"),
        ("/api/v1/indicators?lang=en", 400, "lang", "unknown parameter"),
        ("/api/v1/observations.csv?indicator=population&from=" + "9" * 3000, 414, None, "longer than 2048"),
    ],
)
def test_refusals_are_json_4xx(client, url: str, status: int, param: str | None, message: str) -> None:
    r = client.get(url)
    assert r.status_code == status, r.data
    body = r.get_json()
    assert body["param"] == param and message in body["message"], body
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"


def test_row_limit_refuses_before_querying(client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NYCKELTAL_API_MAX_ROWS", "100")
    ok = client.get("/api/v1/observations.csv?indicator=population&regions=0127,0181&from=1975&to=2024")
    assert ok.status_code == 200 and ok.data.decode().count("\n") == 101
    r = client.get("/api/v1/observations.csv?indicator=population&regions=0127,0181&from=1974&to=2024")
    assert r.status_code == 400
    assert r.get_json()["message"] == (
        "the selection may return about 102 rows, more than the limit of 100; ask for fewer indicators, regions or years"
    )


def test_method_and_body_limits(client) -> None:
    r = client.post("/api/v1/observations.csv?indicator=population")
    assert r.status_code == 405 and r.get_json()["error"] == "method_not_allowed"
    big = client.post("/_dash-update-component", data=b"{" + b" " * 1_100_000 + b"}", content_type="application/json")
    assert big.status_code == 413 and b"Traceback" not in big.data


@pytest.mark.parametrize(
    "search",
    [
        "?indicator=population&regions=0127,0181&from=2000&to=2024&ref=01",
        "?indicator=day_population&regions=sodertorn,0136&from=2010&to=2021&mode=change",  # (net commuting: no % change)
        "?indicator=births&regions=0127,0140&from=2008&to=2024&mode=per1000&ref=00",
        "?indicator=population&regions=0126,0192&from=2000&to=2020&mode=index&base=2005",
    ],
)
def test_same_rows_as_the_dashboard(client, app, search: str) -> None:
    dataset = data.dataset()
    state = parse_query(search, context_from(dataset))
    assert state.notices == ()
    expected = json_records(query(dataset, ts_selection(state), state.lang))
    api = (
        f"/api/v1/observations.json?indicator={state.indicator}&regions={','.join(state.all_regions)}"
        f"&from={state.year_from}&to={state.year_to}&sex={state.sex}&mode={state.mode}"
        + (f"&base={state.base}" if state.mode == "index" else "")
    )
    body = client.get(api).get_json()
    assert body["observations"] == expected and len(expected) >= 3


EXTRA_CATALOG = """
indicators:
  - id: libraries
    theme: population
    label: {sv: '=HYPERLINK("http://evil.example","Bibliotek")', en: '@SUM(1+1)*cmd|'' /C calc''!A0'}
    description: {sv: Antal folkbibliotek., en: Number of public libraries.}
    unit: persons
    sexes: [T]
    aggregation: {method: sum}
    sources:
      - csv: {path: libraries.csv}
"""


@pytest.fixture
def injected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """A store with an analyst's local-CSV indicator whose label is a spreadsheet formula."""
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_CATALOG, encoding="utf-8")
    monkeypatch.setenv("NYCKELTAL_EXTRA_CATALOG", str(extra))
    load_catalog.cache_clear()
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    store = Store(url)
    load_snapshot_into(store)
    _, frame = store.read_observations()
    own = pd.DataFrame(
        [
            [
                "libraries",
                "0127",
                2023,
                "T",
                6.0,
                "ok",
                "Botkyrka kommun",
                "https://example.org/bibliotek",
                "2024-01-10",
            ],
            ["libraries", "0127", 2024, "T", 7.0, "ok", "=cmd|' /C calc'!A0", "+SUM(A1)", "2024-01-10"],
        ],
        columns=frame.columns,
    )
    store.publish(pd.concat([frame, own], ignore_index=True), load_catalog(), load_regions(), origin="test")
    store.dispose()
    data.configure(url)
    flask_app = Flask(__name__)
    flask_app.register_blueprint(bp)
    try:
        yield flask_app
    finally:
        monkeypatch.delenv("NYCKELTAL_EXTRA_CATALOG")
        load_catalog.cache_clear()


def test_formula_injection_neutralised_in_api_csv(injected: Flask) -> None:
    client = injected.test_client()
    text = client.get("/api/v1/observations.csv?indicator=libraries&regions=0127").data.decode()
    assert text.splitlines() == [
        HEADER.strip(),
        'libraries,"\'=HYPERLINK(""http://evil.example"",""Bibliotek"")",0127,Botkyrka,2023,T,6,personer,ok,Botkyrka kommun,https://example.org/bibliotek,2024-01-10',
        'libraries,"\'=HYPERLINK(""http://evil.example"",""Bibliotek"")",0127,Botkyrka,2024,T,7,personer,ok,\'=cmd|\' /C calc\'!A0,\'+SUM(A1),2024-01-10',
    ]
    en = client.get("/api/v1/observations.csv?indicator=libraries&regions=0127&lang=en&sep=;&decimal=,").data.decode()
    assert en.splitlines()[1].startswith("libraries;'@SUM(1+1)*cmd|' /C calc'!A0;0127;")
    zipped = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/bundle.zip?indicator=libraries&regions=0127").data))
    assert zipped.read("observations.csv").decode().splitlines()[1].startswith("libraries,\"'=HYPERLINK(")
