"""raggrad: differentiable ragged arrays for NumPy, JAX and more backends."""

from ._array import RaggedArray as RaggedArray
from ._connect.awkward import from_awkward as from_awkward
from ._connect.awkward import to_awkward as to_awkward
from ._construction import array as array
from ._construction import asarray as asarray
from ._construction import from_lengths as from_lengths
from ._construction import from_offsets as from_offsets
from ._construction import from_padded as from_padded
from ._construction import offsets as offsets
from ._construction import to_backend as to_backend
from ._construction import to_list as to_list
from ._construction import to_numpy as to_numpy
from ._construction import to_padded as to_padded
from ._dtypes import bool as bool  # noqa: A004
from ._dtypes import complex64 as complex64
from ._dtypes import complex128 as complex128
from ._dtypes import float32 as float32
from ._dtypes import float64 as float64
from ._dtypes import int8 as int8
from ._dtypes import int16 as int16
from ._dtypes import int32 as int32
from ._dtypes import int64 as int64
from ._dtypes import uint8 as uint8
from ._dtypes import uint16 as uint16
from ._dtypes import uint32 as uint32
from ._dtypes import uint64 as uint64
from ._errors import TracedStructureError as TracedStructureError

__array_api_version__ = "2024.12"
__version__ = "0.1.0"
