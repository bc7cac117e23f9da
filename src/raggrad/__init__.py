"""raggrad: differentiable ragged arrays for NumPy, JAX and torch.

Lists of variable length, nested to any depth, that behave like NumPy arrays: NumPy's ufuncs and
reducers dispatch to raggrad, the namespace follows the Python array API standard, and on the JAX
backend ``jax.grad``, ``jax.jit`` and ``jax.vmap`` go through them. Start with :func:`array`.

>>> import raggrad as rg
>>> rg.sum(rg.array([[1.0, 2.0], [], [3.0]]), axis=1).to_list()
[3.0, 0.0, 3.0]
"""

import importlib as _importlib
import importlib.util as _importlib_util

from . import vector as vector  # rg.vector: Lorentz vectors; its record classes must be known
from ._array import RaggedArray as RaggedArray
from ._connect import awkward_protocol as _awkward_protocol  # noqa: F401  (ak.Array(x), ak.* of raggrad arrays)
from ._connect.awkward import from_awkward as from_awkward
from ._connect.awkward import to_awkward as to_awkward
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
from ._errors import OptionTypeError as OptionTypeError
from ._errors import OutputTooLargeError as OutputTooLargeError
from ._errors import TracedStructureError as TracedStructureError
from ._events import EventArray as EventArray
from ._info import __array_namespace_info__ as __array_namespace_info__
from ._ops.activations import log_sigmoid as log_sigmoid
from ._ops.activations import relu as relu
from ._ops.activations import sigmoid as sigmoid
from ._ops.activations import softplus as softplus
from ._ops.argreductions import argmax as argmax
from ._ops.argreductions import argmin as argmin
from ._ops.autodiff import grad as grad
from ._ops.autodiff import jvp as jvp
from ._ops.autodiff import value_and_grad as value_and_grad
from ._ops.autodiff import vjp as vjp
from ._ops.bounded import capacity as capacity
from ._ops.bounded import is_bounded as is_bounded
from ._ops.bounded import stack as stack
from ._ops.bounded import trim as trim
from ._ops.bounded import unstack as unstack
from ._ops.bounded import with_capacity as with_capacity
from ._ops.cartesian import argcartesian as argcartesian
from ._ops.cartesian import cartesian as cartesian
from ._ops.combinations import argcombinations as argcombinations
from ._ops.combinations import combinations as combinations
from ._ops.construction import array as array
from ._ops.construction import asarray as asarray
from ._ops.construction import from_lengths as from_lengths
from ._ops.construction import from_offsets as from_offsets
from ._ops.construction import from_padded as from_padded
from ._ops.construction import offsets as offsets
from ._ops.construction import to_backend as to_backend
from ._ops.construction import to_list as to_list
from ._ops.construction import to_numpy as to_numpy
from ._ops.construction import to_padded as to_padded
from ._ops.conversion import from_regular as from_regular
from ._ops.conversion import map_values as map_values
from ._ops.conversion import ravel as ravel
from ._ops.conversion import to_dense as to_dense
from ._ops.conversion import to_regular as to_regular
from ._ops.creation import arange as arange
from ._ops.creation import astype as astype
from ._ops.creation import broadcast_to as broadcast_to
from ._ops.creation import empty as empty
from ._ops.creation import empty_like as empty_like
from ._ops.creation import finfo as finfo
from ._ops.creation import full as full
from ._ops.creation import full_like as full_like
from ._ops.creation import iinfo as iinfo
from ._ops.creation import isdtype as isdtype
from ._ops.creation import linspace as linspace
from ._ops.creation import ones as ones
from ._ops.creation import ones_like as ones_like
from ._ops.creation import reshape as reshape
from ._ops.creation import result_type as result_type
from ._ops.creation import zeros as zeros
from ._ops.creation import zeros_like as zeros_like
from ._ops.cumulative import cumulative_prod as cumulative_prod
from ._ops.cumulative import cumulative_sum as cumulative_sum
from ._ops.elementwise import abs as abs  # noqa: A004
from ._ops.elementwise import acos as acos
from ._ops.elementwise import acosh as acosh
from ._ops.elementwise import add as add
from ._ops.elementwise import allclose as allclose
from ._ops.elementwise import asin as asin
from ._ops.elementwise import asinh as asinh
from ._ops.elementwise import atan as atan
from ._ops.elementwise import atan2 as atan2
from ._ops.elementwise import atanh as atanh
from ._ops.elementwise import bitwise_and as bitwise_and
from ._ops.elementwise import bitwise_count as bitwise_count
from ._ops.elementwise import bitwise_invert as bitwise_invert
from ._ops.elementwise import bitwise_left_shift as bitwise_left_shift
from ._ops.elementwise import bitwise_or as bitwise_or
from ._ops.elementwise import bitwise_right_shift as bitwise_right_shift
from ._ops.elementwise import bitwise_xor as bitwise_xor
from ._ops.elementwise import cbrt as cbrt
from ._ops.elementwise import ceil as ceil
from ._ops.elementwise import clip as clip
from ._ops.elementwise import conj as conj
from ._ops.elementwise import copysign as copysign
from ._ops.elementwise import cos as cos
from ._ops.elementwise import cosh as cosh
from ._ops.elementwise import deg2rad as deg2rad
from ._ops.elementwise import degrees as degrees
from ._ops.elementwise import divide as divide
from ._ops.elementwise import divmod as divmod  # noqa: A004
from ._ops.elementwise import equal as equal
from ._ops.elementwise import exp as exp
from ._ops.elementwise import exp2 as exp2
from ._ops.elementwise import expm1 as expm1
from ._ops.elementwise import fabs as fabs
from ._ops.elementwise import float_power as float_power
from ._ops.elementwise import floor as floor
from ._ops.elementwise import floor_divide as floor_divide
from ._ops.elementwise import fmax as fmax
from ._ops.elementwise import fmin as fmin
from ._ops.elementwise import fmod as fmod
from ._ops.elementwise import frexp as frexp
from ._ops.elementwise import gcd as gcd
from ._ops.elementwise import greater as greater
from ._ops.elementwise import greater_equal as greater_equal
from ._ops.elementwise import heaviside as heaviside
from ._ops.elementwise import hypot as hypot
from ._ops.elementwise import imag as imag
from ._ops.elementwise import isclose as isclose
from ._ops.elementwise import isfinite as isfinite
from ._ops.elementwise import isinf as isinf
from ._ops.elementwise import isnan as isnan
from ._ops.elementwise import lcm as lcm
from ._ops.elementwise import ldexp as ldexp
from ._ops.elementwise import less as less
from ._ops.elementwise import less_equal as less_equal
from ._ops.elementwise import log as log
from ._ops.elementwise import log1p as log1p
from ._ops.elementwise import log2 as log2
from ._ops.elementwise import log10 as log10
from ._ops.elementwise import logaddexp as logaddexp
from ._ops.elementwise import logaddexp2 as logaddexp2
from ._ops.elementwise import logical_and as logical_and
from ._ops.elementwise import logical_not as logical_not
from ._ops.elementwise import logical_or as logical_or
from ._ops.elementwise import logical_xor as logical_xor
from ._ops.elementwise import maximum as maximum
from ._ops.elementwise import minimum as minimum
from ._ops.elementwise import modf as modf
from ._ops.elementwise import multiply as multiply
from ._ops.elementwise import nan_to_num as nan_to_num
from ._ops.elementwise import negative as negative
from ._ops.elementwise import nextafter as nextafter
from ._ops.elementwise import not_equal as not_equal
from ._ops.elementwise import positive as positive
from ._ops.elementwise import pow as pow  # noqa: A004
from ._ops.elementwise import rad2deg as rad2deg
from ._ops.elementwise import radians as radians
from ._ops.elementwise import real as real
from ._ops.elementwise import reciprocal as reciprocal
from ._ops.elementwise import remainder as remainder
from ._ops.elementwise import rint as rint
from ._ops.elementwise import round as round  # noqa: A004
from ._ops.elementwise import sign as sign
from ._ops.elementwise import signbit as signbit
from ._ops.elementwise import sin as sin
from ._ops.elementwise import sinh as sinh
from ._ops.elementwise import spacing as spacing
from ._ops.elementwise import sqrt as sqrt
from ._ops.elementwise import square as square
from ._ops.elementwise import subtract as subtract
from ._ops.elementwise import tan as tan
from ._ops.elementwise import tanh as tanh
from ._ops.elementwise import trunc as trunc
from ._ops.elementwise import where as where
from ._ops.histogram import bincount as bincount
from ._ops.histogram import histogram as histogram
from ._ops.histogram import histogram2d as histogram2d
from ._ops.linalg import matmul as matmul
from ._ops.linalg import matvec as matvec
from ._ops.linalg import vecdot as vecdot
from ._ops.linalg import vecmat as vecmat
from ._ops.manipulation import broadcast_arrays as broadcast_arrays
from ._ops.manipulation import concat as concat
from ._ops.manipulation import concatenate as concatenate
from ._ops.manipulation import firsts as firsts
from ._ops.manipulation import flatten as flatten
from ._ops.manipulation import flip as flip
from ._ops.manipulation import lasts as lasts
from ._ops.manipulation import local_index as local_index
from ._ops.manipulation import num as num
from ._ops.manipulation import unflatten as unflatten
from ._ops.nanreductions import nanargmax as nanargmax
from ._ops.nanreductions import nanargmin as nanargmin
from ._ops.nanreductions import nanmax as nanmax
from ._ops.nanreductions import nanmean as nanmean
from ._ops.nanreductions import nanmin as nanmin
from ._ops.nanreductions import nanprod as nanprod
from ._ops.nanreductions import nanstd as nanstd
from ._ops.nanreductions import nansum as nansum
from ._ops.nanreductions import nanvar as nanvar
from ._ops.nanreductions import ptp as ptp
from ._ops.options import drop_none as drop_none
from ._ops.options import fill_none as fill_none
from ._ops.options import is_none as is_none
from ._ops.options import mask as mask
from ._ops.options import pad_none as pad_none
from ._ops.options import singletons as singletons
from ._ops.records import fields as fields
from ._ops.records import unzip as unzip
from ._ops.records import values_astype as values_astype
from ._ops.records import with_field as with_field
from ._ops.records import zip as zip  # noqa: A004
from ._ops.reductions import all as all  # noqa: A004
from ._ops.reductions import any as any  # noqa: A004
from ._ops.reductions import count as count
from ._ops.reductions import count_nonzero as count_nonzero
from ._ops.reductions import max as max  # noqa: A004
from ._ops.reductions import mean as mean
from ._ops.reductions import min as min  # noqa: A004
from ._ops.reductions import prod as prod
from ._ops.reductions import std as std
from ._ops.reductions import sum as sum  # noqa: A004
from ._ops.reductions import var as var
from ._ops.runs import run_lengths as run_lengths
from ._ops.softmax import log_softmax as log_softmax
from ._ops.softmax import logsumexp as logsumexp
from ._ops.softmax import softmax as softmax
from ._ops.sorting import argsort as argsort
from ._ops.sorting import sort as sort
from ._records import RecordArray as RecordArray

__array_api_version__ = "2024.12"
__version__ = "0.1.0"

# the array API's constants (Python floats, and None for a new axis, as NumPy's)
e = 2.718281828459045
inf = float("inf")
nan = float("nan")
newaxis = None
pi = 3.141592653589793


# public submodules imported on first use (`rg.hep`, `from raggrad import hep`), so that
# `import raggrad` stays fast: rg.dask needs the dask extra; rg.hep (NanoAOD files in chunks, soft
# selections) registers ops only. rg.vector is imported above: `rg.zip(..., with_name="Momentum4D")`
# and `rg.from_awkward` of vector records need its record classes from the start.
_SUBMODULES = ("dask", "hep")


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    # help(raggrad) and inspect.getmembers import every name dir lists: not rg.dask without dask
    usable = [n for n in _SUBMODULES if n != "dask" or _importlib_util.find_spec("dask") is not None]
    return sorted({*globals(), *usable})


__all__ = [
    "EventArray",
    "OptionTypeError",
    "OutputTooLargeError",
    "RaggedArray",
    "RecordArray",
    "TracedStructureError",
    "__array_api_version__",
    "__version__",
    "abs",
    "acos",
    "acosh",
    "add",
    "all",
    "allclose",
    "any",
    "arange",
    "argcartesian",
    "argcombinations",
    "argmax",
    "argmin",
    "argsort",
    "array",
    "asarray",
    "asin",
    "asinh",
    "astype",
    "atan",
    "atan2",
    "atanh",
    "bincount",
    "bitwise_and",
    "bitwise_count",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "bool",
    "broadcast_arrays",
    "broadcast_to",
    "capacity",
    "cartesian",
    "cbrt",
    "ceil",
    "clip",
    "combinations",
    "complex64",
    "complex128",
    "concat",
    "concatenate",
    "conj",
    "copysign",
    "cos",
    "cosh",
    "count",
    "count_nonzero",
    "cumulative_prod",
    "cumulative_sum",
    "deg2rad",
    "degrees",
    "divide",
    "divmod",
    "drop_none",
    "e",
    "empty",
    "empty_like",
    "equal",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "fields",
    "fill_none",
    "finfo",
    "firsts",
    "flatten",
    "flip",
    "float32",
    "float64",
    "float_power",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "frexp",
    "from_awkward",
    "from_lengths",
    "from_offsets",
    "from_padded",
    "from_regular",
    "full",
    "full_like",
    "gcd",
    "grad",
    "greater",
    "greater_equal",
    "heaviside",
    "histogram",
    "histogram2d",
    "hypot",
    "iinfo",
    "imag",
    "inf",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_bounded",
    "is_none",
    "isclose",
    "isdtype",
    "isfinite",
    "isinf",
    "isnan",
    "jvp",
    "lasts",
    "lcm",
    "ldexp",
    "less",
    "less_equal",
    "linspace",
    "local_index",
    "log",
    "log1p",
    "log2",
    "log10",
    "log_sigmoid",
    "log_softmax",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "map_values",
    "mask",
    "matmul",
    "matvec",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "modf",
    "multiply",
    "nan",
    "nan_to_num",
    "nanargmax",
    "nanargmin",
    "nanmax",
    "nanmean",
    "nanmin",
    "nanprod",
    "nanstd",
    "nansum",
    "nanvar",
    "negative",
    "newaxis",
    "nextafter",
    "not_equal",
    "num",
    "offsets",
    "ones",
    "ones_like",
    "pad_none",
    "pi",
    "positive",
    "pow",
    "prod",
    "ptp",
    "rad2deg",
    "radians",
    "ravel",
    "real",
    "reciprocal",
    "relu",
    "remainder",
    "reshape",
    "result_type",
    "rint",
    "round",
    "run_lengths",
    "sigmoid",
    "sign",
    "signbit",
    "sin",
    "singletons",
    "sinh",
    "softmax",
    "softplus",
    "sort",
    "spacing",
    "sqrt",
    "square",
    "stack",
    "std",
    "subtract",
    "sum",
    "tan",
    "tanh",
    "to_awkward",
    "to_backend",
    "to_dense",
    "to_list",
    "to_numpy",
    "to_padded",
    "to_regular",
    "trim",
    "trunc",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "unflatten",
    "unstack",
    "unzip",
    "value_and_grad",
    "values_astype",
    "var",
    "vecdot",
    "vecmat",
    "vjp",
    "where",
    "with_capacity",
    "with_field",
    "zeros",
    "zeros_like",
    "zip",
]
