"""The package version; part of the build fingerprint (a new version rebuilds the database)."""
__version__ = "0.2.0"
