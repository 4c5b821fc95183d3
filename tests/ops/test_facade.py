"""shipmate.ops is the faces' one door: every name it lists is the real operation, loaded only when asked for."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys

import shipmate.ops
from shipmate import ops


def _import_every_ops_module() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(shipmate.ops.__path__, "shipmate.ops.")]
    for name in names:
        importlib.import_module(name)
    return names


def test_every_listed_name_is_the_function_or_class_even_after_every_ops_module_is_imported() -> None:
    modules = _import_every_ops_module()
    assert "shipmate.ops.deploying" in modules and "shipmate.ops.gates.chain" in modules
    for name in ops.__all__:
        value = getattr(ops, name)
        # A submodule named like an operation would be bound here by its import and hide the function.
        assert not inspect.ismodule(value), f"ops.{name} is a module"
        assert callable(value), name
        assert value.__name__ == name, (name, value)


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        ops.no_such_operation  # noqa: B018
    except AttributeError as exc:
        assert "no_such_operation" in str(exc)
    else:
        raise AssertionError("ops.no_such_operation resolved")


def test_importing_the_facade_loads_no_operation_and_no_pydantic() -> None:
    code = ("import sys, shipmate.ops; "
            "print(sorted(m for m in sys.modules if m.startswith('shipmate.ops.') or m.split('.')[0] == 'pydantic'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['shipmate.ops._names']", done.stdout   # the table of names: data only


def test_every_listed_name_has_a_home_in_the_table_and_every_home_is_listed() -> None:
    from shipmate.ops._names import HOMES, STACK_AWARE

    assert sorted(ops.__all__) == sorted(HOMES)
    assert len(ops.__all__) == len(set(ops.__all__))
    assert set(STACK_AWARE) <= set(HOMES)


def test_asking_for_status_loads_the_status_module_only_not_the_deploy_layer() -> None:
    code = ("import sys, shipmate.ops as ops; ops.status; "
            "print(sorted(m for m in sys.modules if m.startswith(('shipmate.ops.', 'shipmate.engine', "
            "'shipmate.targets', 'shipmate.store.store'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = ast.literal_eval(done.stdout)   # a list literal printed by the child
    assert "shipmate.ops.reading_status" in loaded
    assert not [m for m in loaded if m.startswith(("shipmate.ops.deploying", "shipmate.ops.gates", "shipmate.engine",
                                                   "shipmate.targets", "shipmate.store.store"))], loaded
