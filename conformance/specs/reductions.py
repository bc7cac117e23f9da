"""Specs of the reductions (filled in as they are registered)."""
from __future__ import annotations
SPECS: dict = {}
