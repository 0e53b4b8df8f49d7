"""Pure psychometrics: scoring, reliability, factor structure, aggregation, disclosure control.

No Flask, no database, no files. Heavy libraries are imported inside the functions that use
them so that importing ``engine`` stays cheap.
"""

__all__: list[str] = []
