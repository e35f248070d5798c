"""Output for people: terminal tables, JSON-ready overviews, pictures."""
