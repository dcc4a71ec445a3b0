"""seed_clusters."""
