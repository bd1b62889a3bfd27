"""Placeholder; the plugin lands with the pytest integration."""
