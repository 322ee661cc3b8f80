"""The sync status indicator and the conflict review screen (pytest-qt, offscreen)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emr_desktop.services.conflicts import Resolution
from emr_desktop.services.sync_status import SyncStatusDTO
from emr_desktop.ui.conflicts.review import ConflictReviewDialog
from emr_desktop.ui.qt_models.conflicts import Column, ConflictTableModel
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.sync_status import SyncStatusWidget
from tests.sync.harness import phone_conflict


class FakeStatus:
    def __init__(self, status: SyncStatusDTO) -> None:
        self.current = status

    def status(self) -> SyncStatusDTO:
        return self.current


def _status(**changes: Any) -> SyncStatusDTO:
    base = dict(enrolled=True, online=True, syncing=False, last_sync=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
                pending_changes=0, open_conflicts=0, not_accepted=0, message="")
    base.update(changes)
    return SyncStatusDTO(**base)


def test_status_widget_follows_the_sync_state(qtbot: Any) -> None:
    tasks = TaskRunner()
    source = FakeStatus(_status())
    widget = SyncStatusWidget(source, tasks, autostart=False)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.sig_status_changed):
        widget.refresh()
    assert widget.label.text().startswith("Up to date") and widget.review.isHidden()

    source.current = _status(online=False, pending_changes=3, message="The practice hub cannot be reached.")
    with qtbot.waitSignal(widget.sig_status_changed):
        widget.refresh()
    assert widget.label.text().startswith("Offline - 3 change(s) waiting")
    assert "cannot be reached" in widget.label.toolTip()

    source.current = _status(open_conflicts=2)
    with qtbot.waitSignal(widget.sig_status_changed):
        widget.refresh()
    assert "2 conflict(s) to review" in widget.label.text() and not widget.review.isHidden()
    with qtbot.waitSignal(widget.sig_review_requested):
        widget.review.click()
    tasks.wait_for_idle()


def _conflicted(tmp_path: Path) -> tuple[Any, Any, Any]:
    hub, _a, b, patient = phone_conflict(tmp_path, ("555-0444", "555-0555"))
    return b, patient, hub


def test_conflict_model_passes_the_model_tester(qtmodeltester: Any, tmp_path: Path) -> None:
    b, _p, _hub = _conflicted(tmp_path)
    model = ConflictTableModel()
    model.set_rows(b.services.conflicts.list_open(b.login("doc")))
    qtmodeltester.check(model)
    assert model.rowCount() == 1
    kept = model.index(0, Column.KEPT).data()
    other = model.index(0, Column.OTHER).data()
    assert sorted((kept, other)) == ["phone mobile: 555-0444", "phone mobile: 555-0555"]
    assert model.index(0, Column.FIELDS).data() == "phone mobile"
    model.clear()
    qtmodeltester.check(model)
    b.close()


def test_review_screen_resolves_with_the_other_value(qtbot: Any, tmp_path: Path) -> None:
    b, p, _hub = _conflicted(tmp_path)
    doc = b.login("doc")
    tasks = TaskRunner()
    dialog = ConflictReviewDialog(b.services, tasks, doc)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert dialog.take_other.isEnabled() and not dialog.discard.isEnabled()
    other = json.loads(dialog.selected().other_values)["phone_mobile"]
    with qtbot.waitSignal(dialog.sig_conflict_resolved) as resolved:
        dialog.take_other.click()
    assert resolved.args[0].status == "resolved"
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert dialog.message.text() == "No open conflicts."
    assert b.services.patients.get(doc, p.id).phone_mobile == other
    tasks.wait_for_idle()
    b.close()


def test_review_screen_shows_refusals_without_losing_the_list(qtbot: Any, tmp_path: Path) -> None:
    b, _p, _hub = _conflicted(tmp_path)
    nurse = b.login("nurse")     # the list was loaded, then someone else resolved the conflict
    tasks = TaskRunner()
    dialog = ConflictReviewDialog(b.services, tasks, nurse)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    conflict = dialog.selected()
    b.services.conflicts.resolve(b.login("doc"), conflict.id, Resolution.KEEP)
    dialog.keep.click()          # already resolved elsewhere: a clear message, the list reloads
    qtbot.waitUntil(lambda: "already been resolved" in dialog.message.text())
    dialog.clear_phi()
    assert dialog.model.rowCount() == 0
    tasks.wait_for_idle()
    b.close()


def test_review_screen_merges_field_by_field_with_edited_text(qtbot: Any, tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    from emr_desktop.ui.conflicts.merge_dialog import MergeDialog

    b, p, _hub = _conflicted(tmp_path)
    doc = b.login("doc")
    tasks = TaskRunner()
    dialog = ConflictReviewDialog(b.services, tasks, doc)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert dialog.merge.isEnabled()
    conflict = dialog.selected()
    merge = MergeDialog(conflict)
    qtbot.addWidget(merge)
    assert list(merge.choices) == ["phone_mobile"]
    merge.choices["phone_mobile"].setCurrentIndex(1)   # the other value fills the editor
    assert merge.editors["phone_mobile"].text() == json.loads(conflict.other_values)["phone_mobile"]
    merge.editors["phone_mobile"].setText("555-0999")
    assert merge.values() == {"phone_mobile": "555-0999"}

    def accept_with_edit(self: MergeDialog) -> int:
        self.editors["phone_mobile"].setText("555-0999")
        return MergeDialog.DialogCode.Accepted

    monkeypatch.setattr(MergeDialog, "exec", accept_with_edit)
    with qtbot.waitSignal(dialog.sig_conflict_resolved) as resolved:
        dialog.merge.click()
    assert resolved.args[0].resolution.startswith("merge")
    assert b.services.patients.get(doc, p.id).phone_mobile == "555-0999"
    tasks.wait_for_idle()
    b.close()
