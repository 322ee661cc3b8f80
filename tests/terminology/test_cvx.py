"""CVX table: CDC's layout, read from resources/, searched by code and name; every vaccine the demo
practice uses is in it."""

from __future__ import annotations

from pathlib import Path

import pytest

import emr_desktop
from emr_desktop.config import RESOURCES_DIR
from emr_desktop.demo.vaccines import VACCINES
from emr_desktop.domain.codes import CVX
from emr_desktop.terminology import cvx


def test_the_table_ships_in_resources() -> None:
    assert RESOURCES_DIR == Path(emr_desktop.__file__).resolve().parent.parent / "resources"
    path = cvx.table_path()
    assert path.is_file() and path.parent.name == "terminology"
    assert (path.parent / "README.md").read_text(encoding="utf-8").count("public domain") >= 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(cvx.all_vaccines()) > 250
    assert all(line.count("|") == 6 for line in lines)


@pytest.mark.parametrize("code", sorted(VACCINES))
def test_every_demo_vaccine_is_found(code: str) -> None:
    vaccine = cvx.by_code(code)
    assert vaccine is not None and vaccine.cvx == code and vaccine.active
    assert any(c.code == code for c in cvx.search(code))
    first_word = VACCINES[code].name.split(",")[0].split()[0]
    assert any(c.code == code for c in cvx.search(first_word, limit=300))


def test_by_code_tolerates_padding() -> None:
    assert cvx.by_code("8") == cvx.by_code("08") == cvx.by_code(" 08 ")
    assert cvx.by_code("08").short_name == "Hep B, adolescent or pediatric"  # type: ignore[union-attr]
    assert cvx.by_code("99999") is None


def test_search_by_name_active_first_inactive_on_request() -> None:
    mmr = cvx.search("mmr")
    assert mmr[0].code == "03" and mmr[0].system == CVX and mmr[0].billable
    active_only = cvx.search("covid")
    assert active_only and all(c.billable for c in active_only)
    everything = cvx.search("covid", include_inactive=True)
    assert len(everything) > len(active_only)
    flags = [c.billable for c in everything]
    assert flags == sorted(flags, reverse=True)  # active vaccines first
    unspecified = next(c for c in everything if c.code == "213")
    assert not unspecified.billable and unspecified.detail.startswith("Inactive")


def test_everyday_words_and_name_starts_rank_first() -> None:
    flu = cvx.search("flu")
    assert flu and all("influenza" in c.display.lower() for c in flu[:10])
    assert cvx.search("shingles")[0].code == "187"
    assert [c.code for c in cvx.search("tdap")] == ["115"]
    assert cvx.search("hep b")[0].display.startswith("Hep B")


def test_empty_query_lists_active_vaccines() -> None:
    listed = cvx.search("", limit=500)
    assert listed and all(c.billable for c in listed)
    assert len(listed) == sum(v.active for v in cvx.all_vaccines())


def test_reads_cdc_file_variants(tmp_path: Path) -> None:
    data = ("CVX Code|CVX Short Description|Full Vaccine Name|Note|VaccineStatus|nonvaccine|last updated\r\n"
            "08 |Hep B, adolescent or pediatric |hepatitis B vaccine, pediatric|note \u2013 here|Active "
            "|False|7/11/2022\r\n"
            "999|unknown|unknown vaccine or immune globulin||Inactive|True|\r\n"
            "\r\n").encode("cp1252")
    path = tmp_path / "cvx.txt"
    path.write_bytes(data)
    rows = cvx.load_table(path)
    assert [v.cvx for v in rows] == ["08", "999"]
    assert rows[0].short_name == "Hep B, adolescent or pediatric" and rows[0].last_updated == "7/11/2022"
    assert rows[0].note == "note \u2013 here" and rows[0].active and not rows[0].nonvaccine
    assert rows[1].nonvaccine and not rows[1].active


def test_generator_reproduces_the_shipped_table() -> None:
    import importlib.util

    root = Path(emr_desktop.__file__).resolve().parent.parent
    source = Path("/work/shared/data/cvx/cvx.obo")
    if not source.is_file():
        pytest.skip("the OBO export is not on this machine")
    spec = importlib.util.spec_from_file_location("make_cvx_table", root / "tools" / "make_cvx_table.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.render(tool.parse_obo(source.read_text(encoding="utf-8"))) == cvx.table_path().read_text(
        encoding="utf-8")
