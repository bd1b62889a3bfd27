"""fireworks: formats and models (``provider.toml``)."""
