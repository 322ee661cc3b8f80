"""Pure-Python domain layer: DTOs, enums, codes, validation and errors. Imports nothing internal."""
