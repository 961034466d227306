"""The Midtrans client: `transport` (HTTP, auth, timeouts, retries), `core_api` (Core API v2 outcomes)."""
