"""/om as a person reads it: times in Stockholm time to the minute, numbers in the language's format."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.i18n import fmt_number


def _text(client, lang: str) -> str:
    answer = client.get("/_dash-layout", headers={"Referer": f"http://localhost/om?lang={lang}"})
    assert answer.status_code == 200
    return json.dumps(answer.get_json(), ensure_ascii=False)


@pytest.mark.parametrize(("lang", "published", "limits"), [
    ("sv", "publicerad {} svensk tid", "Högst 10 nyckeltal, 40 regioner och {} rader per anrop"),
    ("en", "published {} Swedish time", "At most 10 indicators, 40 regions and {} rows per request"),
])  # fmt: skip
def test_the_dataset_time_and_the_api_limits_read_as_in_the_language(client, lang, published, limits) -> None:
    text = _text(client, lang)
    assert re.search(re.escape(published).replace(r"\{\}", r"20\d\d-\d\d-\d\d \d\d:\d\d"), text), published
    assert limits.format(fmt_number(20000, 0, lang)) in text
    assert not re.search(r"publi\w+ 20\d\d-\d\d-\d\dT", text)  # no raw ISO time
