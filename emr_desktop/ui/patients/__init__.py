"""Finding and registering patients: the main window's patient panel and the registration dialog."""
