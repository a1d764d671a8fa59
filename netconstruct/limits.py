"""Resource budgets: what one hostile input may cost at most (see ``docs/reliability.md``).

Every budget is a constant here or an explicit argument (``max_memory``); nothing is global state.
The memory budget defaults to half the machine's physical memory; commands take ``--max-memory``.
Estimates are made *before* allocating, from declared shapes, and a refusal states the estimate.
"""

from __future__ import annotations

import os

from .errors import TooLargeError

#: bytes one stored exact number costs in memory (a Fraction with small parts, its list slot, its index)
BYTES_PER_NUMBER = 250
#: bytes per neuron of a layer held as values while evaluating (float64 batch column + exact value)
BYTES_PER_NEURON = 64
#: largest |number| a file may hold (float64 evaluation must stay finite): 2^1000 ≈ 1.07e301
MAX_MAGNITUDE_BITS = 1000
#: largest numerator or denominator a file may hold, in bits (≈ 1233 decimal digits)
MAX_NUMBER_BITS = 4096
#: largest common denominator of one matrix (bits) that exact evaluation puts all its entries over; beyond it
#: (many unrelated denominators) each neuron keeps its own Fractions instead
MAX_COMMON_DENOMINATOR_BITS = 20_000
#: deepest JSON nesting read from any file (the format itself needs 6 levels)
MAX_JSON_DEPTH = 64
#: target expressions: characters, nesting depth, nodes, digits of any folded constant
MAX_EXPRESSION_LENGTH = 500
MAX_EXPRESSION_DEPTH = 24
MAX_EXPRESSION_NODES = 200
MAX_CONSTANT_BITS = 4096
#: |argument| beyond which exp/sin/cos/tan/tanh of a target is refused (too costly to enclose)
MAX_FUNCTION_ARGUMENT = 10**6
#: seconds the Lipschitz certification of a target may take before "too costly to certify"
LIPSCHITZ_SECONDS = 20.0
#: size of the derivative expression (sympy nodes) the Lipschitz certificate accepts
MAX_DERIVATIVE_NODES = 5000


def physical_memory() -> int:
    """Bytes of physical memory (8 GiB if the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def default_max_memory() -> int:
    return physical_memory() // 2


def gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB"


def ensure_memory(estimate: int, what: str, max_memory: int | None = None) -> None:
    """Refuse (TooLargeError, one line with the estimate) when ``estimate`` bytes exceed the budget."""
    budget = default_max_memory() if max_memory is None else max_memory
    if estimate > budget:
        raise TooLargeError(f"{what} would need about {gib(estimate)} of memory, above the budget of {gib(budget)} "
                            "(--max-memory)")
