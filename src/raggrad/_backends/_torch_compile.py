"""How ``torch.compile`` sees raggrad: one call per op, structure a constant of the graph.

Dynamo compiles by tracing Python bytecode, and raggrad's ops are Python over *host* structure:
NumPy offsets, index maps cached on the structure. Traced by Dynamo, every ``np.repeat`` over
offsets becomes graph ops on symbolic tensors with data-dependent sizes (graph breaks, crashes on
read-only arrays, recompiles as the caches fill), the opposite of what structure is (DESIGN.md,
principle 1: structure is shape, concrete and static). So Dynamo never traces an op's body:

- every function the registry hands out (op functions, their NumPy implementations, ``x[...]``)
  is replaced, whenever Dynamo inlines it, by one ``nonstrict_trace`` call
  (``torch.compiler.substitute_in_graph``); Python operators (``x * y``) are such calls
  themselves. Dynamo records the call as one node; its fake-tensor pass and AOTAutograd then run
  the op's Python with fake tensors, where the structure work runs on the host, once, and index
  maps enter the graph as constants (``TorchBackend.index``). A function written with operators
  or with ``rg.*`` functions compiles to the same graph;
- the array classes are torch pytrees whose leaves are their content buffers, so arrays cross
  those calls; their auxiliary data, a :class:`~raggrad._structure.Structure`, is an opaque
  *value* type: the graph specializes on it and guards with ``==``, as ``jax.jit`` does (one
  program per structure; new values never recompile). Other arguments (axes, dtypes, Python
  numbers, slices) are constants of the call;
- a *bounded* array (``rg.with_capacity``) is a pytree whose leaves are its content *and* its
  count, offsets, validity flag and list ids: they are graph inputs, so the ops' bounded kernels
  (segment ids, gathers and scans computed on the device from the offsets) are traced into the
  graph and batches with new list lengths run it again. Its capacities are the context: static,
  specialized and guarded by value (also with ``dynamic=True``), so a new capacity bucket compiles
  one more graph, as a new shape does;
- where an op cannot be traced (on an exact array, an op whose output structure depends on
  values, ``x[x > 0]``; on a bounded one the same op is traced), the graph breaks there and the
  op runs eagerly, whole: Dynamo never compiles a frame of raggrad's own code
  (:func:`_run_eagerly`). ``np.sin(x)`` is a NumPy call that Dynamo traces itself and cannot hand
  to raggrad; in compiled code, ``rg.sin(x)`` is the spelling.

This relies on parts of torch that are not public API (opaque objects, the frame strategies, the
table ``nonstrict_trace`` marks functions in); on a torch without them nothing is installed and
Dynamo traces raggrad's Python as it did before.
"""

from __future__ import annotations

import contextlib
import enum
import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.utils._pytree as pytree
from torch._subclasses.fake_tensor import FakeTensor
from torch._subclasses.functional_tensor import FunctionalTensor
from torch.utils._python_dispatch import _disable_current_modes, _get_current_dispatch_mode_stack

from .. import _registry
from .._structure import Structure
from . import pytree_classes

try:  # torch 2.13's compiler internals (see above)
    from torch._dynamo import nonstrict_trace, trace_rules
    from torch._dynamo.eval_frame import set_code_exec_strategy
    from torch._dynamo.types import FrameAction, FrameExecStrategy
    from torch._library.opaque_object import MemberType, register_opaque_type
except (ImportError, AttributeError):  # pragma: no cover - another torch: nothing installed
    nonstrict_trace = None  # type: ignore[assignment]  # optional: INSTALLED is False without it

__all__ = ["INSTALLED", "host_constants", "tracing"]


# ---- tracing: fake tensors and the modes that trace ------------------------------------------
def tracing(array: Any) -> bool:
    """Whether ``array`` is being traced (a fake or functional tensor, or a tracing mode is on):
    its values cannot be read on the host. Dynamo's own tracing first: it cannot trace the mode
    stack's lookup, and ``is_compiling`` is a constant to it."""
    if torch.compiler.is_compiling():
        return True
    return isinstance(array, (FakeTensor, FunctionalTensor)) or bool(_get_current_dispatch_mode_stack())


def host_constants() -> Any:
    """A context in which new tensors are real even while tracing: index maps made from host
    structure are real tensors, cached on the structure and entered into graphs as constants."""
    return _disable_current_modes()


# ---- one op, one call --------------------------------------------------------------------------
#: the array classes (RaggedArray, RecordArray, registered below) and tensors: an op's data
_array_types: tuple[type, ...] = (torch.Tensor,)
#: arguments a nonstrict call takes as they are (arrays are pytrees, these graph constants)
_PLAIN = (bool, int, float, str)


class _Slot(enum.Enum):
    """Where an array sat among an op call's arguments (a constant Dynamo understands)."""

    ARRAY = 0


class _Call:
    """An op and its arguments: a pytree whose leaves are the arrays, whose context is the op and
    every other argument (``None``, slices, dtypes: what a nonstrict call cannot take itself)."""

    __slots__ = ("arrays", "func", "template")

    def __init__(self, func: Callable[..., Any], template: Any, arrays: tuple[Any, ...]) -> None:
        self.func = func
        self.template = template
        self.arrays = arrays

    def run(self) -> Any:
        args, kwargs = _fill(self.template, iter(self.arrays))
        return self.func(*args, **kwargs)


def _split(value: Any, arrays: list[Any]) -> Any:
    """``value`` with its arrays replaced by slots (appended to ``arrays``); traced by Dynamo."""
    if isinstance(value, _array_types):
        arrays.append(value)
        return _Slot.ARRAY
    if type(value) is tuple:
        return tuple([_split(v, arrays) for v in value])
    if type(value) is list:
        return [_split(v, arrays) for v in value]
    if type(value) is dict:
        return {k: _split(v, arrays) for k, v in value.items()}
    return value


def _fill(template: Any, arrays: Any) -> Any:
    if template is _Slot.ARRAY:
        return next(arrays)
    if type(template) is tuple:
        return tuple(_fill(v, arrays) for v in template)
    if type(template) is list:
        return [_fill(v, arrays) for v in template]
    if type(template) is dict:
        return {k: _fill(v, arrays) for k, v in template.items()}
    return template


def _pack(out: Any) -> Any:
    """An op's output as a nonstrict call returns it: arrays as they are; anything else (field
    names, a count, a capacity) as constants beside the arrays, in a :class:`_Call`."""
    if isinstance(out, _array_types) or (
        type(out) in (tuple, list) and all(isinstance(o, _array_types) for o in out)
    ):
        return out
    arrays: list[Any] = []
    template = _split(out, arrays)
    return _Call(_pack, template, tuple(arrays))


def _unpack(out: Any) -> Any:
    return _fill(out.template, iter(out.arrays)) if isinstance(out, _Call) else out


def _plain(values: Any) -> bool:
    return all(isinstance(v, _array_types) or type(v) in _PLAIN for v in values)


def _apply_call(call: _Call) -> Any:
    return _pack(call.run())


def _one_call(func: Callable[..., Any], apply: Callable[[_Call], Any]) -> Callable[..., Any]:
    """What Dynamo traces in place of ``func``: one nonstrict call of it."""

    def direct(*args: Any, **kwargs: Any) -> Any:
        return _pack(func(*args, **kwargs))

    direct = nonstrict_trace(direct)

    def one_call(*args: Any, **kwargs: Any) -> Any:
        if _plain(args) and _plain(kwargs.values()):
            return _unpack(direct(*args, **kwargs))  # the common case: less for Dynamo to trace
        arrays: list[Any] = []
        template = (_split(args, arrays), _split(kwargs, arrays))
        return _unpack(apply(_Call(func, template, tuple(arrays))))

    return one_call


# ---- bounded structures' static part -------------------------------------------------------------
#: the tag of a tuple subclass in auxiliary data: ``(_TAGGED, cls, items)``
_TAGGED = "<tuple subclass>"


def _plain_aux(aux: Any) -> Any:
    """Pytree auxiliary data with every tuple subclass (a bounded structure's ``BoundedAux``) as a
    plain tuple tagged with its class: constants Dynamo builds while it traces a flatten. (The
    class itself, not a name looked up in a table: Dynamo defers writes that traced code makes to
    a table until the graph has run, so an op's fake-tensor pass would not find the name.)"""
    if isinstance(aux, tuple) and type(aux) is not tuple:
        return (_TAGGED, type(aux), tuple(_plain_aux(a) for a in aux))
    if type(aux) is tuple:
        return tuple(_plain_aux(a) for a in aux)
    if isinstance(aux, (int, torch.SymInt)) and not isinstance(aux, bool):
        # under dynamic=True Dynamo reads an array's capacities as symbolic ints, which no context
        # may hold; operator.index specializes them (guarded by value): capacities are shape
        return operator.index(aux)
    return aux


def _typed_aux(aux: Any) -> Any:
    if type(aux) is tuple:
        if len(aux) == 3 and aux[0] == _TAGGED:
            # tuple.__new__: Dynamo, tracing an op's output unflatten, cannot call the class itself
            return tuple.__new__(aux[1], tuple(_typed_aux(a) for a in aux[2]))
        return tuple(_typed_aux(a) for a in aux)
    return aux


# ---- installing it -------------------------------------------------------------------------------
_BINARY: tuple[str, ...] = ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow")
_BINARY += ("lshift", "rshift", "and", "xor", "or")
#: the Python operators of the array classes
_OPERATORS = (
    *(f"__{op}__" for op in _BINARY),
    *(f"__r{op}__" for op in _BINARY),
    *(f"__{op}__" for op in ("lt", "le", "gt", "ge", "eq", "ne", "neg", "pos", "abs", "invert")),
)
_SOURCE = __file__.rsplit("_backends", 1)[0]  # raggrad's source directory


class _Installer:
    """Teaches Dynamo the above, once per function (the registry hands out re-registered ops)."""

    def __init__(self) -> None:
        self.done: set[int] = set()
        self.run_eagerly = FrameExecStrategy(FrameAction.SKIP, FrameAction.SKIP)
        self.apply = nonstrict_trace(_apply_call)

    def install(self) -> None:
        # the properties array classes read from traced code are plain attributes of Structure
        # (Dynamo cannot read an opaque object's properties); type_str runs for real
        register_opaque_type(Structure, typ="value", members={"type_str": MemberType.USE_REAL})
        pytree.register_pytree_node(
            _Call,
            lambda c: (list(c.arrays), (c.func, c.template)),
            lambda arrays, ctx: _Call(ctx[0], ctx[1], tuple(arrays)),
        )
        pytree_classes(self.array_class)
        _registry.on_handout(self.op)

    def array_class(
        self,
        cls: type,
        flatten: Callable[[Any], tuple[Any, Any]],
        unflatten: Callable[[Any, Any], Any],
        flatten_with_keys: Callable[[Any], tuple[Any, Any]] | None,
    ) -> None:
        global _array_types
        if cls in pytree.SUPPORTED_NODES:
            return

        # the class's own flatten (a tuple of leaves serves as children): Dynamo inlines it on
        # every op call, so every call less counts. A bounded structure's static part (a tuple
        # subclass) travels as a plain tuple, a constant Dynamo builds
        def flat(x: Any) -> tuple[Any, Any]:
            leaves, aux = flatten(x)
            return leaves, _plain_aux(aux)

        pytree.register_pytree_node(cls, flat, lambda leaves, aux: unflatten(_typed_aux(aux), tuple(leaves)))
        _array_types = (*_array_types, cls)
        for value in vars(cls).values():
            self.run_eagerly_(value.fget if isinstance(value, property) else value)
        for name in _OPERATORS:
            method = vars(cls).get(name)
            if method is not None and self.is_ours(method):
                self.operator(method)

    def op(self, func: Callable[..., Any]) -> None:
        """Dynamo sees ``func`` as one nonstrict call; its frames run eagerly."""
        if id(func) in self.done:
            return
        self.done.add(id(func))
        self.run_eagerly_(func)
        with contextlib.suppress(TypeError, ValueError):  # not a Python function: traced as before
            torch.compiler.substitute_in_graph(func, skip_signature_check=True)(_one_call(func, self.apply))

    def operator(self, method: Callable[..., Any]) -> None:
        """Dynamo sees a Python operator (``x * y``) as one nonstrict call.

        Dynamo calls an operator as a method, where substitutes do not apply, and inlining it fails
        for an array made inside the compiled function (the operator's closure holds a NumPy
        ufunc, which Dynamo cannot build). Its arguments are arrays and numbers, which nonstrict
        calls take as they are; ``nonstrict_trace`` would wrap the method, so the method itself
        goes into the table ``nonstrict_trace`` puts its wrappers in.
        """
        trace_rules._allowed_callable_ids.add(id(method))
        trace_rules._nonstrict_trace_callable_ids.add(id(method))

    def run_eagerly_(self, func: Any) -> None:
        """A frame of ``func`` (and every frame it calls) runs as it is, never compiled by Dynamo.

        Dynamo compiles every Python frame it meets; after a graph break the op runs eagerly, and
        its frames must not be compiled one by one: traced on their own, raggrad's internals
        would be host NumPy work on symbolic tensors. Inlined into a compiled function, the same
        code is unaffected (inlining enters no frame).
        """
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is not None and code.co_filename.startswith(_SOURCE):
            set_code_exec_strategy(code, self.run_eagerly)

    @staticmethod
    def is_ours(func: Any) -> bool:
        return getattr(func, "__module__", "").startswith("raggrad.")


def _install() -> bool:
    if nonstrict_trace is None:
        return False  # pragma: no cover - another torch
    _Installer().install()
    return True


#: whether torch.compile sees raggrad's ops as one call each (False: a torch without the APIs)
INSTALLED = _install()
