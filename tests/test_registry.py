"""The op registry: the namespace, NumPy dispatch and docs/ops.md agree with it."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

import raggrad as rg
from raggrad._docs import ops_markdown
from raggrad._ops.elementwise import ufunc_support
from raggrad._registry import REGISTRY, numpy_functions, register, ufuncs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "ops.md"
#: public submodules whose functions are ops, registered under a dotted name: rg.vector.zip is
#: the op "vector.zip"; their public names are their ``__all__``
NAMESPACES = ("vector",)


def _public_functions() -> dict[str, object]:
    out = {}
    for name, value in vars(rg).items():
        if name.startswith("_") or inspect.isclass(value) or inspect.ismodule(value):
            continue
        if callable(value):
            out[name] = value
    for namespace in NAMESPACES:
        module = getattr(rg, namespace)
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value) and not inspect.isclass(value):
                out[f"{namespace}.{name}"] = value
    return out


def _resolve(name: str) -> object:
    """``rg.<name>``, through a public submodule for a dotted name (``vector.zip``)."""
    obj: object = rg
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj


def test_every_public_function_is_registered_under_its_name():
    public = _public_functions()
    missing = sorted(n for n in public if n not in REGISTRY)
    assert not missing, f"public functions missing from the registry: {missing}"
    wrong = sorted(n for n, f in public.items() if REGISTRY[n].func is not f)
    assert not wrong, f"rg.<name> is not the registered function for: {wrong}"


def test_every_registered_op_is_public():
    hidden = sorted(n for n in REGISTRY if _resolve(n) is not REGISTRY[n].func)
    assert not hidden, f"registered ops not re-exported from raggrad/__init__.py: {hidden}"


def test_report_ops_without_a_conformance_spec(record_property):
    # a report, not a gate: the conformance suite's own meta-test enforces coverage
    lacking = sorted(name for name, op in REGISTRY.items() if op.spec is None)
    record_property("ops_without_spec", ",".join(lacking))
    print(f"\n{len(lacking)} of {len(REGISTRY)} ops have no conformance spec: {', '.join(lacking)}")


def test_docs_op_table_is_current():
    assert DOCS.read_text(encoding="utf-8") == ops_markdown(), (
        "docs/ops.md is out of date; regenerate it with `python -m raggrad._docs`"
    )


def test_ufunc_support_leaves_out_only_isnat():
    supported, left_out = ufunc_support()
    assert list(left_out) == ["isnat"]
    assert len(supported) >= 89
    assert {"divmod", "frexp", "modf", "matmul", "vecdot", "sin", "add"} <= set(supported)


def test_every_ufunc_belongs_to_exactly_one_op():
    owners = {u: op.name for u, op in ufuncs().items()}
    assert all(u in REGISTRY[name].ufuncs for u, name in owners.items())


@pytest.mark.parametrize(
    "func",
    [
        np.where,
        np.clip,
        np.round,
        np.isclose,
        np.allclose,
        np.nan_to_num,
        np.zeros_like,
        np.ones_like,
        np.empty_like,
        np.full_like,
    ],
)
def test_contract_numpy_functions_are_dispatched(func):
    assert func in numpy_functions()


def test_register_rejects_a_second_op_of_the_same_name():
    def sin(x):  # a different function that claims an existing name
        return x

    with pytest.raises(ValueError, match="registered twice"):
        register("sin", "elementwise-unary")(sin)


def test_register_rejects_unknown_kind_and_non_ufuncs():
    with pytest.raises(ValueError, match="kind"):
        register("nonsense", "magic")
    with pytest.raises(TypeError, match="not a NumPy ufunc"):
        register("not_a_ufunc", "elementwise-unary", ufuncs=(np.sum,))(lambda x: x)
    assert "not_a_ufunc" not in REGISTRY


def test_register_rejects_a_ufunc_claimed_twice():
    with pytest.raises(ValueError, match="already belongs"):
        register("sine_again", "elementwise-unary", ufuncs=(np.sin,))(lambda x: x)
    assert "sine_again" not in REGISTRY
