"""pytest plugin for jsonl-guard: check JSONL datasets as test items (opt-in)."""
