"""Models of this app (added by its feature issue)."""
