"""Everything Qt. Widgets call services and get DTOs back; they never open a session."""
