"""Drug names say strength and form once."""

from emr_desktop.domain.drug_names import drug_label, mentions


def test_strength_and_form_are_added_only_when_the_name_lacks_them() -> None:
    rxnorm = "omeprazole 20 MG Delayed Release Oral Capsule"
    assert drug_label(rxnorm, "20 mg", "delayed release capsule") == rxnorm
    assert drug_label("lisinopril", "10 mg", "tablet") == "lisinopril 10 mg tablet"
    assert drug_label("lisinopril 10 MG Oral Tablet", "10 mg", "tablet") == "lisinopril 10 MG Oral Tablet"
    assert drug_label("albuterol", "", "inhaler") == "albuterol inhaler"
    assert mentions("amoxicillin 500 MG Oral Capsule", "capsule") and not mentions("amoxicillin", "")
