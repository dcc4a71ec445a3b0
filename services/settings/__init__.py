"""The Settings screen (providers per role, the Sonnet switch, the monthly budget)."""
