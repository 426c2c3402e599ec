"""Hospital registration and government-hall appointments: book, list, cancel, reschedule."""
