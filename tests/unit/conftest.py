"""Fixtures shared by the unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from taskstreamd.store import migrate
from taskstreamd.store.repository import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    await asyncio.to_thread(migrate.upgrade, url)
    s = Store(url)
    yield s
    await s.close()
