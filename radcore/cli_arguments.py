"""Argument types shared by the ``radcore`` subcommands: each turns a bad value into one line (exit 2)."""

from __future__ import annotations

import argparse


def label_argument(text: str) -> int | str:
    """A ``--label`` value: an integer, or ``all``."""
    if text.strip().lower() == "all":
        return "all"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer label or 'all', got {text!r}") from None


def positive_int(text: str) -> int:
    """A count: a whole number of at least 1 (the option left out gives the default)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value} (leave the option out for the default)")
    return value
