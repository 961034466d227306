"""Unit tests of the local stack: template reading, events, JWTs, the fake Lambda context."""
