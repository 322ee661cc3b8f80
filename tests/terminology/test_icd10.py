"""ICD-10-CM search: code prefixes, word prefixes of descriptions, billable codes first; the slow
package import happens only when the index is built."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from emr_desktop.domain.codes import ICD10CM
from emr_desktop.terminology import Code, icd10


@pytest.fixture(scope="module", autouse=True)
def warm_index() -> None:
    icd10.warm()  # about two seconds, once for this module


def test_importing_the_module_does_not_load_the_code_set() -> None:
    code = ("import sys; import emr_desktop.terminology.icd10 as m; "
            "print('simple_icd_10_cm' in sys.modules, m.is_ready())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_exact_code_comes_first_with_or_without_dot_and_case() -> None:
    for query in ("E11.9", "e11.9", "E119", " e119 "):
        first = icd10.search(query)[0]
        assert first == Code(ICD10CM, "E11.9", "Type 2 diabetes mellitus without complications", True)
    assert icd10.search("I10")[0].code == "I10"
    assert icd10.search("I10")[0].display == "Essential (primary) hypertension"


def test_code_prefix_lists_billable_codes_first_shorter_first() -> None:
    results = icd10.search("E11", limit=200)
    assert results and all(c.code.startswith("E11") for c in results)
    billable = [c.billable for c in results]
    assert billable == sorted(billable, reverse=True)  # every billable code before any category
    assert results[0].code in {"E11.8", "E11.9"}
    lengths = [len(c.code) for c in results if c.billable]
    assert lengths == sorted(lengths)
    header = next(c for c in results if c.code == "E11")
    assert not header.billable and header.detail


def test_words_match_as_prefixes_of_description_words() -> None:
    results = icd10.search("type 2 diab")
    assert results and all(c.code.startswith("E11") for c in results[:10])
    assert {"E11.9", "E11.65"} <= {c.code for c in icd10.search("type 2 diab", limit=200)}
    # every word must match the start of a word (not the middle): "iabetes" finds nothing
    assert icd10.search("iabetes") == []
    assert icd10.search("hypertension")[0].code == "I10"


def test_folding_of_case_accents_and_apostrophes() -> None:
    assert any(c.code.startswith("C84.1") for c in icd10.search("sezary"))
    assert icd10.search("alzheimers")[0].code.startswith("G30")
    assert icd10.search("ALZHEIMER'S")[0].code.startswith("G30")


def test_code_like_query_also_searches_descriptions() -> None:
    assert icd10.search("b12")[0].code.startswith("D51")  # vitamin B12 deficiency anemia


def test_limit_empty_and_unknown_queries() -> None:
    assert len(icd10.search("fracture", limit=7)) == 7
    assert icd10.search("") == [] and icd10.search("   ") == []
    assert icd10.search("zzqx") == []
    assert icd10.search("E11.9.1") == []


def test_lookup() -> None:
    code = icd10.lookup("e119")
    assert code is not None and code.code == "E11.9"
    assert icd10.lookup("E11") is not None and not icd10.lookup("E11").billable  # type: ignore[union-attr]
    assert icd10.lookup("Q99.99") is None


def test_concurrent_searches_share_one_index() -> None:
    results: list[list[Code]] = []
    threads = [threading.Thread(target=lambda: results.append(icd10.search("asthma"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] for r in results) and results[0]


def test_warming_in_background_starts_one_builder_and_ends_ready() -> None:
    icd10.warm_in_background()
    icd10.warm_in_background()   # a second call starts nothing new
    if icd10._warming is not None:
        icd10._warming.join(60)
    assert icd10.is_ready()
    assert icd10.search("I10")[0].code == "I10"
