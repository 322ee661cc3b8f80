"""Table models over lists of DTOs (DESIGN §6): one Column enum per model, no database access."""
