"""Staff names with credentials, the same on screen and on paper."""

from emr_desktop.domain.staff import with_credentials


def test_credentials_are_added_once() -> None:
    assert with_credentials("Dana Smith", "MD") == "Dana Smith, MD"
    assert with_credentials("Helen Marsh, MD", "MD") == "Helen Marsh, MD"   # already there
    assert with_credentials("Nora Nurse", "") == "Nora Nurse"
    assert with_credentials("", "RN") == "RN"
