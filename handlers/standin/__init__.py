"""Pieces the platform stand-ins share: a small HTTP server and an edge-triggered wake-up."""
