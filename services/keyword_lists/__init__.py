"""keyword_lists."""
