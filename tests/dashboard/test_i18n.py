"""Interface texts and number formats in Swedish and English."""

from __future__ import annotations

import re

from dashboard.i18n import TEXTS, THIN_SPACE, fmt_number, fmt_percent, t


def test_every_key_in_both_languages() -> None:
    assert set(TEXTS["sv"]) == set(TEXTS["en"])
    for key in TEXTS["sv"]:
        fields_sv = set(re.findall(r"{(\w+)}", TEXTS["sv"][key]))
        fields_en = set(re.findall(r"{(\w+)}", TEXTS["en"][key]))
        assert fields_sv == fields_en, key
        assert TEXTS["en"][key].strip(), key


def test_swedish_numbers() -> None:
    assert fmt_number(1234.5, 1, "sv") == f"1{THIN_SPACE}234,5"
    assert fmt_number(95905, 0, "sv") == f"95{THIN_SPACE}905"
    assert fmt_number(2473307, 0, "sv") == f"2{THIN_SPACE}473{THIN_SPACE}307"
    assert fmt_number(-1234.5, 1, "sv") == f"\u22121{THIN_SPACE}234,5"
    assert fmt_number(0.25, 2, "sv") == "0,25"
    assert (
        fmt_percent(1.25, 1, "sv", sign=True) == "+1,2\u00a0%" or fmt_percent(1.25, 1, "sv", sign=True) == "+1,3\u00a0%"
    )


def test_english_numbers() -> None:
    assert fmt_number(1234.5, 1, "en") == "1,234.5"
    assert fmt_number(2473307, 0, "en") == "2,473,307"
    assert fmt_number(-0.04, 1, "en") == "0.0"
    assert fmt_percent(0.5, 1, "en") == "0.5%"


def test_missing_is_a_dash_never_zero() -> None:
    assert fmt_number(None, 0, "sv") == "–"
    assert fmt_number(float("nan"), 1, "en") == "–"


def test_text_fields() -> None:
    assert t("data_updated", "sv", date="2026-11-27") == "Data uppdaterad 2026-11-27"
    assert t("data_updated", "en", date="2026-11-27") == "Data updated 2026-11-27"
    assert t("nav_compare", "xx") == "Jämför"
