"""Benchmarks: ``python -m benchmarks.run`` runs them all, ``python -m benchmarks.<name>`` one."""
