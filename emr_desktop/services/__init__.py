"""Use cases. Each public method is one user action: one unit of work, DTOs out."""
