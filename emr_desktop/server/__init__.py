"""The practice hub: HTTP API (api.py), serving (serve.py), store, conflict rules and authz."""
