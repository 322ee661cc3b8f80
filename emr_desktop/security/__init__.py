"""Keys, users, permissions and audit."""
