"""Site onboarding: crawl an existing site (``crawl/``), import its organic rankings, pick one
primary keyword per page and report cannibalization (issue 9)."""
