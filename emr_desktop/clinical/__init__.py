"""Decision support and clinical content as pure functions over DTOs (no database, no Qt)."""
