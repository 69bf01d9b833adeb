"""The benchmark's baseline: a default Dash + Plotly Express app of the dashboard's shape.

Eight municipalities × every year of the bundled population series, a line chart and a
bar chart built with Plotly Express, a CSV download; Dash's defaults (full plotly.js,
no compression, no caching). Served by `gunicorn -w 2 bench.baseline_app:server`.
Only for comparison in `make bench`; never part of the product.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
from dash import Dash, Input, Output, State, dcc, html

ROOT = Path(__file__).resolve().parent.parent
EIGHT = ["0127", "0136", "0126", "0140", "0192", "0128", "0181", "0138"]
INDICATORS = ["population", "births", "deaths"]


def _load() -> pd.DataFrame:
    frame = pd.read_csv(ROOT / "data/snapshot/observations.csv", dtype={"region_code": str})
    frame = frame[frame["region_code"].isin(EIGHT) & (frame["sex"] == "T")]
    return frame[["indicator_id", "region_code", "year", "value"]]


DATA = _load()
app = Dash(__name__)
server = app.server
app.layout = html.Div(
    [
        dcc.Dropdown(id="indicator", options=INDICATORS, value="population"),
        dcc.Dropdown(id="regions", options=EIGHT, value=EIGHT, multi=True),
        dcc.Graph(id="line"),
        dcc.Graph(id="bar"),
        html.Button("CSV", id="csv"),
        dcc.Download(id="download"),
    ]
)


@app.callback(Output("line", "figure"), Output("bar", "figure"), Input("indicator", "value"), Input("regions", "value"))
def update(indicator: str, regions: list[str]):
    rows = DATA[(DATA["indicator_id"] == indicator) & DATA["region_code"].isin(regions or [])]
    line = px.line(rows, x="year", y="value", color="region_code", markers=True)
    last = rows[rows["year"] == rows["year"].max()] if len(rows) else rows
    bar = px.bar(last.sort_values("value"), x="value", y="region_code", orientation="h")
    return line, bar


@app.callback(
    Output("download", "data"),
    Input("csv", "n_clicks"),
    State("indicator", "value"),
    State("regions", "value"),
    prevent_initial_call=True,
)
def download(_n: int, indicator: str, regions: list[str]):
    rows = DATA[(DATA["indicator_id"] == indicator) & DATA["region_code"].isin(regions or [])]
    return dcc.send_data_frame(rows.to_csv, f"{indicator}.csv", index=False)
