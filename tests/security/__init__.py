"""Abuse: hostile text, access by default, handshakes, brute force."""
