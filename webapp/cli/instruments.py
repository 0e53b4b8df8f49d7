"""`samen instruments list|show|validate`."""

import click

__all__ = ["instruments"]


@click.group()
def instruments() -> None:
    """List, show and validate instruments."""
