"""Action logic: plain functions that take their collaborators as arguments (no HTTP, no AWS clients)."""
