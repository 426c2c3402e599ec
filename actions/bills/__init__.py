"""Bill queries, account binding and paying, for every bill type in CONTRACT.md."""
