"""Reference handlers `make bench` measures ours against (never deployed)."""
