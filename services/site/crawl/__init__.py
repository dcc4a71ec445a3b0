"""The polite site crawl: robots.txt, sitemaps, fetching, extraction, page types (issue 9 §1).

``api`` is the entry for pages, the CLI and the job worker; ``store`` holds its SQL; the other
modules are pure or wrap one library each (protego, ultimate-sitemap-parser, requests,
selectolax + trafilatura).
"""
