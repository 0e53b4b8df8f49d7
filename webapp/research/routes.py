"""Research routes (being written)."""
