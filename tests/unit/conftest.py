"""Fixtures shared by the unit tests."""

from __future__ import annotations
