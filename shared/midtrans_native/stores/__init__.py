"""DynamoDB-backed stores: `connections` (per-tenant Midtrans credentials, KMS-encrypted), `token_cache`."""
