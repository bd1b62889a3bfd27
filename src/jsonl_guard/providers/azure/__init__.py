"""azure: formats and models (``provider.toml``)."""
