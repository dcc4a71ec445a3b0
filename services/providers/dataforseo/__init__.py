"""dataforseo."""
