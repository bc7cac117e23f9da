"""Specs of the structure and indexing ops (filled in as they are registered)."""
from __future__ import annotations
SPECS: dict = {}
