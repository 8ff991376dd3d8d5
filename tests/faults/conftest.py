"""Write docs/faults.md once every fault case of the session ran and passed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults import table


@pytest.fixture(scope="session", autouse=True)
def fault_table() -> Iterator[None]:
    yield
    if table.complete():
        table.write()
