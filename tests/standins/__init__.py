"""Stand-ins for providers that cannot be reached from a test: HTTP servers on loopback that
follow each provider's published API (each module names the documentation it follows)."""
