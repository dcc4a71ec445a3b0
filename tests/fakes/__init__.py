"""Test doubles for outside services: local HTTP servers answering contract-shaped payloads."""
