"""Comparisons: the programme effect (difference in differences with CR2 inference)."""

__all__: list[str] = []
