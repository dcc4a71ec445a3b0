"""Content pipeline: briefs, drafts, social posts, spreadsheets, WordPress and Shopify outputs."""
