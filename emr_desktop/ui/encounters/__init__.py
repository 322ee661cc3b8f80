"""Encounters and their SOAP notes: the start-encounter dialog and the note editor."""
