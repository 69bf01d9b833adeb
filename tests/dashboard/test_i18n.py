"""Interface texts and number formats in Swedish and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.i18n import TEXTS, THIN_SPACE, TextsError, fmt_number, fmt_percent, fmt_time, load_texts, t


def test_every_key_in_both_languages() -> None:
    assert set(TEXTS["sv"]) == set(TEXTS["en"])
    for key in TEXTS["sv"]:
        fields_sv = set(re.findall(r"{(\w+)}", TEXTS["sv"][key]))
        fields_en = set(re.findall(r"{(\w+)}", TEXTS["en"][key]))
        assert fields_sv == fields_en, key
        assert TEXTS["en"][key].strip(), key


def test_texts_file_read_as_written() -> None:
    """The texts file's escapes are read as the characters they stand for (a soft hyphen, the en dash)."""
    assert t("page_a11y", "sv") == "Tillgänglighets\u00adredogörelse"
    assert t("page_a11y", "en") == "Accessibility statement"
    assert t("kf_rank", "en", rank=2, n=8) == "2 of 8"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ('a:\n  sv: "Ett"\n', "the text 'a' must give exactly sv, en (it gives ['sv'])"),
        ('a:\n  sv: "Ett"\n  en: "One"\n  de: "Eins"\n', "must give exactly sv, en (it gives ['de', 'en', 'sv'])"),
        ('a:\n  sv: "Ett"\n  en: " "\n', "the text 'a' has no en text"),
        ('a:\n  sv: "Ett"\n  en: "One"\nb: "Två"\n', "the text 'b' must give exactly sv, en (it gives str)"),
        ('a:\n  sv: "Ett"\n  en: "One"\na:\n  sv: "Två"\n  en: "Two"\n', "given more than once: a"),
        ("[]\n", "expected a mapping of text keys"),
    ],
)
def test_a_broken_texts_file_is_refused_by_name(tmp_path: Path, text: str, refusal: str) -> None:
    path = tmp_path / "texts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TextsError, match=re.escape(refusal)):
        load_texts(path)


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


def test_run_times_are_shown_in_stockholm_time_to_the_minute() -> None:
    assert fmt_time("2026-11-27T02:50:03Z") == "2026-11-27 03:50"  # CET, UTC+1
    assert fmt_time("2026-07-01T10:00:59+00:00") == "2026-07-01 12:00"  # CEST, UTC+2
    assert fmt_time("2026-07-01T10:00:00") == "2026-07-01 12:00"  # no zone: UTC, as the runs journal writes
    assert (fmt_time(None), fmt_time("not a time")) == ("", "not a time")


def test_the_runs_table_shows_its_times_in_stockholm_time() -> None:
    from dashboard.pages.om import runs_section

    run = {"started_at": "2026-12-04T18:32:29Z", "finished_at": None, "status": "running", "trigger": "manual"}
    cells = [c.children for c in runs_section([run], "sv").children[1].children[0].children]
    assert cells[:2] == ["2026-12-04 19:32", "avslutades aldrig"]
