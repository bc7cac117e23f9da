"""Connections to other libraries' protocols (NumPy dispatch, awkward conversion)."""
