"""Testing helpers for code that uses raggrad: hypothesis strategies for ragged arrays.

>>> from raggrad.testing import strategies as rst
>>> rst.DISTRIBUTIONS
('small', 'empty', 'huge', 'mixed')
"""

from . import strategies as strategies
