"""Typed models: `api` (HTTP requests/responses), `midtrans` (Midtrans wire bodies), `common` (shared types)."""
