"""netconstruct: explicit neural networks from the theory of depth separation, verified.

The package is import-light: submodules are loaded on first use.

>>> from netconstruct import make_target, build_radial, verify_radial  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Network": ("netconstruct.network", "Network"),
    "Layer": ("netconstruct.network", "Layer"),
    "make_target": ("netconstruct.targets", "make_target"),
    "build_radial": ("netconstruct.constructions.radial_depth3", "build"),
    "verify_radial": ("netconstruct.verify", "verify_radial"),
    "certify": ("netconstruct.certificates", "certify"),
    "CONSTRUCTIONS": ("netconstruct.constructions", "CONSTRUCTIONS"),
    "CERTIFIERS": ("netconstruct.certificates", "CERTIFIERS"),
    "load": ("netconstruct.jsonio", "load"),
    "save": ("netconstruct.jsonio", "save"),
    "loads": ("netconstruct.jsonio", "loads"),
    "dumps": ("netconstruct.jsonio", "dumps"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'netconstruct' has no attribute {name!r}")
