"""Tests of the local stack (midtrans_local): LocalStack over HTTP, the invoke CLI, the server process."""
