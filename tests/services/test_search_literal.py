"""Patient search matches every character literally: LIKE wildcards, quotes and backslashes are
just text, and a query shaped like SQL injection finds only the patient with that odd name."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.text import fold
from emr_desktop.models import Patient
from emr_desktop.services.registry import Services

# (family, given): every name is a patient; the key is how the tests refer to it.
PEOPLE = {
    "perez": ("Perez", "Ana"),
    "peralta": ("Per%alta", "Luis"),
    "percent": ("%Percent", "Pat"),
    "smith": ("Smith", "John"),
    "smyth": ("Smyth", "Jane"),
    "smuthers": ("Sm_thers", "Jo"),
    "under": ("_Under", "Score"),
    "obrien": ("O'Brien", "Sean"),
    "hooft": ("'t Hooft", "Gerard"),
    "backslash": ("\\Back", "Slash"),
    "bobby": ("' OR 1=1--", "Bobby"),
    "tables": ("Tables", "Little"),
}

# query -> the patients whose folded family or given name starts with exactly that text
EXPECTED = {
    "%": {"percent"},
    "_": {"under"},
    "'": {"hooft", "bobby"},
    "\\": {"backslash"},
    "' OR 1=1--": {"bobby"},
    "Per%": {"peralta"},
    "Sm_th": {"smuthers"},
    # controls: the plain prefixes do find people, so an empty answer above means something
    "Per": {"perez", "peralta"},
    "Sm": {"smith", "smyth", "smuthers"},
    "o'": {"obrien"},
    # nothing starts with these, literally
    "%%": set(),
    "_%": set(),
    "Smi%": set(),
    "S_ith": set(),
    "\\\\": set(),
    "\\%": set(),
    "'%": set(),
    "x' OR 'x'='x": set(),
    "'; DROP TABLE patient;--": set(),
    "Robert'); DROP TABLE patient;--": set(),
    '" OR ""="': set(),
    "*": set(),
    "[a-z]%": set(),
}


@pytest.fixture
def people(services: Services, admin: Actor) -> dict[str, object]:
    ids = {}
    for key, (family, given) in PEOPLE.items():
        ids[key] = services.patients.register(admin, family_name=family, given_name=given,
                                              birth_date=date(1970, 1, 2), sex="female").id
    return ids


def _oracle(query: str) -> set[str]:
    """Literal 'starts with' over the folded names, computed in Python."""
    q = fold(query)
    return {key for key, (family, given) in PEOPLE.items()
            if fold(family).startswith(q) or fold(given).startswith(q)}


def test_search_matches_literally(services: Services, admin: Actor, people: dict[str, object],
                                  store: ChartStore) -> None:
    by_id = {v: k for k, v in people.items()}
    wrong = {}
    for query, expected in EXPECTED.items():
        found = [by_id[p.id] for p in services.patients.search(admin, query)]  # raises nothing
        if sorted(found) != sorted(expected):  # exact set, no duplicates
            wrong[query] = sorted(found)
        if " " not in query:  # one word: the family or the given name starts with it
            assert expected == _oracle(query), query
    assert wrong == {}
    # nothing was changed or dropped by the queries
    with store.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == len(PEOPLE)


def test_the_patient_table_is_intact_after_every_query(services: Services, admin: Actor,
                                                       people: dict[str, object],
                                                       store: ChartStore) -> None:
    for query in EXPECTED:
        services.patients.search(admin, query)
        services.patients.search(admin, query + ", " + query)  # "family, given" form
        services.patients.search(admin, "Ana " + query)          # "given family" form
    with store.db.read() as session:
        rows = session.execute(select(Patient.id, Patient.family_name, Patient.given_name)).all()
    assert {(r.family_name, r.given_name) for r in rows} == set(PEOPLE.values())
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert store.check() == []


def test_family_comma_given_form_is_literal_too(services: Services, admin: Actor,
                                                people: dict[str, object]) -> None:
    by_id = {v: k for k, v in people.items()}

    def keys(q: str) -> set[str]:
        return {by_id[p.id] for p in services.patients.search(admin, q)}

    assert keys("Per%, L") == {"peralta"}
    assert keys("Per%, A") == set()
    assert keys("%, P") == {"percent"}
    assert keys("_, S") == {"under"}
    assert keys("Sm_th, J") == {"smuthers"}
    assert keys("Sm, J") == {"smith", "smyth", "smuthers"}
    assert keys("' OR 1=1--, Bob") == {"bobby"}
    assert keys("' OR 1=1--, %") == set()
    assert keys("Bobby ' OR 1=1--") == {"bobby"}  # "given family"
