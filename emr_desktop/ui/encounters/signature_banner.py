"""Who signed the note shown, when, and whether its content still matches the signature."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

VERIFIED = "✓ Signature verified: the note is unchanged since it was signed."
FAILED = ("⚠ Signature check failed: this note's content does not match what was signed. "
          "Do not rely on it; tell your practice administrator.")


class SignatureBanner(QWidget):
    """Hidden for drafts. For a signed note: "Signed by X at T" and the verification result (a
    failed check is shown in bold red, with the object name ``signatureWarning`` for the stylesheet)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.signed_label = QLabel(self)
        self.signed_label.setObjectName("noteSignedBy")
        self.signature_label = QLabel(self)
        self.signature_label.setObjectName("signatureStatus")
        self.signature_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.signed_label)
        layout.addWidget(self.signature_label)
        self.clear()

    def show_signature(self, signer: str, when: str, verified: bool) -> None:
        self.signed_label.setText(f"Signed by {signer} at {when}")
        self.signature_label.setObjectName("signatureStatus" if verified else "signatureWarning")
        self.signature_label.setStyleSheet("" if verified else "color: #b91c1c; font-weight: bold;")
        self.signature_label.setText(VERIFIED if verified else FAILED)
        self.show()

    def clear(self) -> None:
        self.signed_label.clear()
        self.signature_label.clear()
        self.signature_label.setObjectName("signatureStatus")
        self.hide()
