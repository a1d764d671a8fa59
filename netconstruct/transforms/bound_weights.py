"""Depth k → depth 3k+3 with polynomially bounded weights (Vardi & Shamir 2020, Theorems 3.1/3.2).

Theorem (Vardi & Shamir, "Neural Networks with Small Weights and Depth-Separation Barriers",
NeurIPS 2020, arXiv:2006.00625): a function approximated by a poly-size depth-k ReLU network with
arbitrarily large weights is approximated by a poly-size depth-(3k+3) ReLU network whose weights are
polynomially bounded.  The proof works on binary representations; this module builds such a network
explicitly from a given one, in four named steps (the proof text was not available to us; the
circuits below are our own and are proved in ``docs/constructions/bound_weights.md``):

1. :func:`read_input` (2 layers) — the input is read to ``B`` bits per coordinate: a thermometer of
   ReLU-pair steps of slope ``1/η`` at the grid points ``a_t = lo + t·δ`` (``δ = (hi−lo)/2^B``,
   ``η = δ/2^β``), then the bits ``b_m = [Σ_t (bit_m(t) − bit_m(t−1))·h_t ≥ 1]``.  Exact except on
   the bands ``(a_t − η, a_t)``, of total measure ``(2^B − 1)·η`` per coordinate.
2. :func:`hidden_layer` (3 layers per ReLU layer) — a neuron ``y = ReLU(Σ_v A_v z_v + C)`` over Boolean
   signals ``z`` with huge integer ``A`` becomes ``y = Σ_v A_v·(z_v ∧ σ) + C·σ`` with
   ``σ = [Σ A_v z_v + C ≥ 0]``.  The sign ``σ`` is the carry out of ``Σ a_v y_v + (2^N − K)``
   computed by a depth-2 small-weight circuit (block carry-lookahead, :func:`carry_circuit`):
   level 1 thresholds of two-block windows ``V_b = 2^L s_b + s_{b−1}`` (weights < 2^{2L}) give the
   generate/propagate bits ``G_b``, ``P_b`` of the block sums, level 2 ANDs them; level 3 forms
   ``z_v ∧ σ``.  The represented value is exact (integers throughout).
3. :func:`output_layer` (3 layers) — the linear output ``S = Σ A_v z_v + C`` is reduced modulo
   ``2^N ≥ 2·M·Q`` (``|output| ≤ M``), its base-2^L digits ``D_b = (c_b + κ_b) mod 2^L`` are formed
   from the same carries (levels 1–2) and a wrap gate (level 3).
4. The read-out (1 affine layer) turns digits back into a real number, ``Σ_b 2^{bL} D_b / Q``, with
   digits below ``ε·Q`` dropped (error ≤ ε/2).

Total: 2 + 3k + 1 = 3k + 3 affine layers.  Every threshold gate is a ReLU pair
``ReLU(z+1) − ReLU(z)`` (exact on integer ``z``), so the result is a plain ReLU network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..errors import FormatError, NetconstructError, TooLargeError, UsageError
from ..exact import Exact, normalize, parse_exact
from ..matrix import as_coo
from ..network import Network
from .circuit import Budget, Level, Lin


# --------------------------------------------------------------------------------------------
# parameters and checks
# --------------------------------------------------------------------------------------------
#: the most output bits (log₂ of range × resolution) the read-out circuits are built for
MAX_OUTPUT_BITS = 256


@dataclass(frozen=True)
class Params:
    """What the transform needs besides the network."""

    low: tuple[Exact, ...]
    high: tuple[Exact, ...]
    bits: int = 8
    band_bits: int = 10  # η = δ / 2^band_bits
    eps: Exact = 0  # output precision; 0 = exact on the grid
    output_range: Exact = 1  # M: |N(x̃)| ≤ M on every grid point
    max_neurons: int = 1_000_000


def check_network(net: Network) -> None:
    """Refuse what the theorem does not cover, with a one-line reason."""
    acts = net.activations
    for i, a in enumerate(acts[:-1]):
        if a != "relu":
            raise NetconstructError(
                f"layer {i + 1} has activation {a!r}: bound-weights covers ReLU networks only "
                "(hidden layers relu, output identity)"
            )
    if acts[-1] != "identity":
        raise NetconstructError(
            f"the output layer has activation {acts[-1]!r}; bound-weights needs a linear (identity) output layer"
        )


def _coordinates(values, name: str, from_file: bool) -> list[Exact]:
    """A corner of the domain box: a list of numbers (or one number for every axis); anything else — a nested
    list, a string that is not a number, NaN — is a one-line error (FormatError from a file, UsageError from
    the command line)."""
    where = f"metadata.domain.{name}" if from_file else f"--{name}"
    error = FormatError if from_file else UsageError
    if isinstance(values, (str, int, float)) and not isinstance(values, bool):
        values = [values]
    if not isinstance(values, (list, tuple)) or not values or len(values) > 10**6:
        raise error(f"{where} must be a list of numbers")
    try:
        return [parse_exact(v, where) for v in values]
    except FormatError as exc:
        raise error(str(exc)) from None


def domain_box(net: Network, low=None, high=None) -> tuple[tuple[Exact, ...], tuple[Exact, ...]]:
    """The input box: explicit ``low``/``high``, else the network's ``metadata.domain``, else [0,1]^d."""
    from ..exact import parse_exact

    d = net.input_dim
    from_file = low is None and high is None
    if from_file:
        dom = net.metadata.get("domain")
        if dom is None:
            return (0,) * d, (1,) * d
        if not isinstance(dom, dict) or dom.get("type") != "box":
            raise NetconstructError(
                "the network's metadata.domain is not a bounded box; bound-weights needs one (pass --low/--high)"
            )
        low, high = dom.get("low"), dom.get("high")
    if low is None or high is None:
        raise (FormatError("the network's metadata.domain needs both low and high") if from_file
               else UsageError("give both --low and --high"))
    lo, hi = _coordinates(low, "low", from_file), _coordinates(high, "high", from_file)
    if len(lo) == 1 and d > 1:
        lo = lo * d
    if len(hi) == 1 and d > 1:
        hi = hi * d
    if len(lo) != d or len(hi) != d:
        raise UsageError(f"the domain box needs {d} coordinates (or one for all)")
    for a, b in zip(lo, hi):
        if not a < b:
            raise UsageError(f"empty domain interval [{a}, {b}]")
    return tuple(normalize(Fraction(a)) for a in lo), tuple(normalize(Fraction(b)) for b in hi)


# --------------------------------------------------------------------------------------------
# representations: a real vector as integer combinations of Boolean signals
# --------------------------------------------------------------------------------------------
@dataclass
class Rep:
    """Component r of a real vector = ``Σ_s terms[r][s]·signal_s + const[r]`` (rational coefficients)."""

    terms: list[dict[int, Fraction]]
    const: list[Fraction]


def preactivations(weight, bias, rep: Rep) -> list[tuple[dict[int, Fraction], Fraction]]:
    """``W·y + b`` with ``y`` given by ``rep``: one ``(coefficients over signals, constant)`` per neuron."""
    out = []
    for j, row in enumerate(as_coo(weight).row_entries()):
        acc: dict[int, Fraction] = {}
        c = Fraction(bias[j])
        for r, w in row:
            c += w * rep.const[r]
            for s, a in rep.terms[r].items():
                acc[s] = acc.get(s, 0) + w * a
        out.append(({s: Fraction(a) for s, a in acc.items() if a != 0}, c))
    return out


def integerise(coef: dict[int, Fraction], const: Fraction) -> tuple[dict[int, int], int, int]:
    """``(A, C, Q)`` with ``Q·(Σ coef·z + const) = Σ A·z + C`` in integers, ``Q`` the least such."""
    q = 1
    for v in list(coef.values()) + [const]:
        q = q * v.denominator // math.gcd(q, v.denominator)
    return {s: int(v * q) for s, v in coef.items()}, int(const * q), q


# --------------------------------------------------------------------------------------------
# step 1: read the input to B bits
# --------------------------------------------------------------------------------------------
def read_input(d: int, p: Params, budget: Budget | None = None) -> tuple[Level, Level, Rep, list[Exact]]:
    """Thermometer level (slope 1/η) and bit level; returns the quantised input as a :class:`Rep`."""
    G = 2**p.bits
    therm = Level(d, "read: thermometer", budget)
    deltas = [Fraction(p.high[i] - p.low[i]) / G for i in range(d)]
    slopes = []
    h: list[list[int]] = []
    for i, delta in enumerate(deltas):
        eta = delta / 2**p.band_bits
        slopes.append(normalize(1 / eta))
        row = []
        for t in range(1, G):
            a_t = p.low[i] + t * delta
            row.append(therm.gate({i: 1 / eta}, -a_t / eta))
        h.append(row)
    bits = Level(therm, "read: bits", budget)
    terms, const = [], []
    for i, delta in enumerate(deltas):
        t_i: dict[int, Fraction] = {}
        for m in range(p.bits):
            coef = {}
            for t in range(1, G):
                c = ((t >> m) & 1) - (((t - 1) >> m) & 1)
                if c:
                    coef[h[i][t - 1]] = c
            t_i[bits.gate(coef, -1)] = delta * 2**m
        terms.append(t_i)
        const.append(Fraction(p.low[i]))
    return therm, bits, Rep(terms, const), slopes


# --------------------------------------------------------------------------------------------
# step 2/3: block carry-lookahead with small weights
# --------------------------------------------------------------------------------------------
@dataclass
class Blocks:
    """Base-2^L digits of ``S'' = Σ_v a_v·y_v + c0`` (``a_v, c0 ≥ 0``; ``y_v = z_v`` or ``1 − z_v``)."""

    L: int
    nb: int
    s: list[Lin]  # block sums s_b over level-0 signals


def choose_blocks(a: dict[int, tuple[int, bool]], n_min: int, c0_of, modular: bool = False) -> tuple[Blocks, int]:
    """The smallest block length L with every block sum < 2^{2L} (then carries are single bits).

    ``a[v] = (a_v, negated)``; ``c0_of(Nb)`` gives the constant for ``Nb = nb·L`` total bits; with
    ``modular`` the coefficients are reduced modulo ``2^Nb`` (only the low ``Nb`` bits are read).
    Returns the blocks and the constant used.
    """
    for L in range(1, 4096):
        nb = max(1, -(-n_min // L))
        Nb = nb * L
        c0 = c0_of(Nb)
        mask = (1 << L) - 1
        s: list[Lin] = []
        ok = True
        for b in range(nb):
            lin = Lin({}, (c0 >> (b * L)) & mask)
            top = lin.const
            for v, (av, neg) in a.items():
                dig = ((av % (1 << Nb) if modular else av) >> (b * L)) & mask
                if dig:
                    top += dig
                    if neg:
                        lin.coef[v] = -dig
                        lin.const += dig
                    else:
                        lin.coef[v] = dig
            if top >= 1 << (2 * L):
                ok = False
                break
            s.append(lin)
        if ok:
            return Blocks(L, nb, s), c0
    raise NetconstructError("no block length found")  # unreachable: 2^L ≥ n+2 always works


def thermometer(level: Level, x: Lin, unit: int) -> Lin:
    """``floor(X / unit)`` for ``X ≥ 0`` as gates ``[X ≥ t·unit]`` (constant ones folded in)."""
    lo, hi = x.bounds()
    out = Lin({}, 0)
    for t in range(1, hi // unit + 1):
        if t * unit <= lo:
            out.const += 1
        else:
            out.coef[level.gate(x.coef, x.const - t * unit)] = 1
    return out


@dataclass
class Carries:
    """Level-1 thermometers (``h_b``) and level-2 ANDs of the carry-lookahead over :class:`Blocks`."""

    h: list[Lin]  # h_b = floor(s_b / 2^L), over level-1 signals
    G: list[Lin]  # generate, over level-1 signals
    P: list[Lin]  # propagate, over level-1 signals


def carry_circuit(l1: Level, blk: Blocks) -> Carries:
    """Level 1 of the carry-lookahead: ``G_b``, ``P_b``, ``h_b`` as 0/1 sums of small-weight gates.

    With ``s_b = 2^L h_b + l_b`` and ``c_b = l_b + h_{b−1} < 2^{L+1}`` (``s_b < 2^{2L}``), the window
    ``V_b = 2^L s_b + s_{b−1} = 2^{2L} h_b + 2^L c_b + l_{b−1}`` gives
    ``G_b = [c_b ≥ 2^L] = ⌊V_b/2^{2L}⌋ − h_b`` and ``P_b = [c_b = 2^L − 1] = ⌊(V_b+2^L)/2^{2L}⌋ − ⌊V_b/2^{2L}⌋``.
    """
    L = blk.L
    h, G, P = [], [], []
    for b in range(blk.nb):
        V = blk.s[b].scaled(1 << L)
        if b:
            V.add(blk.s[b - 1])
        hb = thermometer(l1, blk.s[b], 1 << L)
        fv = thermometer(l1, V, 1 << (2 * L))
        fvp = thermometer(l1, V.plus(Lin({}, 1 << L)), 1 << (2 * L))
        h.append(hb)
        G.append(fv.plus(hb, -1))
        P.append(fvp.plus(fv, -1))
    return Carries(h, G, P)


def carry_into(l2: Level, car: Carries, b: int, cache: dict) -> Lin:
    """``κ_b`` (carry into block ``b``) = Σ_{b'<b} [G_{b'} ∧ P_{b'+1} ∧ … ∧ P_{b−1}] (mutually exclusive ANDs)."""
    out = Lin({}, 0)
    for b0 in range(b):
        expr = car.G[b0].copy()
        for b1 in range(b0 + 1, b):
            expr.add(car.P[b1])
        need = 1 + (b - b0 - 1)
        lo, hi = expr.bounds()
        if hi < need:
            continue
        if lo >= need:
            out.const += 1
            continue
        combo = _combo(l2, [car.G[b0]] + [car.P[b1] for b1 in range(b0 + 1, b)], cache)
        out.coef[l2.gate(None, expr.const - need, combo=combo)] = 1
    return out


def _combo(level: Level, parts: list[Lin], cache: dict) -> tuple:
    """A gate row summing several level-1 aggregates, each stored once as a form."""
    combo = []
    for part in parts:
        if not part.coef:
            continue
        key = id(part)
        if key not in cache:
            cache[key] = (level.form(part.coef), part)
        combo.append((cache[key][0], 1))
    return tuple(combo)


# --------------------------------------------------------------------------------------------
# the transform
# --------------------------------------------------------------------------------------------
@dataclass
class Result:
    """The transformed network with what the report needs: sizes of the circuits and the stated bound."""

    network: Network
    params: Params
    slopes: list[Exact]
    max_fan_in: int
    max_L: int
    max_blocks: int
    levels: list[dict]
    bound: dict


class _Copies:
    """Boolean signals carried unchanged through consecutive levels (one ReLU each)."""

    def __init__(self):
        self.maps: dict[int, dict[int, int]] = {}

    def through(self, levels: list[Level], sig: int, upto: int) -> int:
        """Signal ``sig`` of level 0 as a signal of ``levels[upto]`` (levels[0] is the first new one)."""
        s = sig
        for i in range(upto + 1):
            m = self.maps.setdefault(i, {})
            if s not in m:
                m[s] = levels[i].copy(Lin.of(s))
            s = m[s]
        return s


def hidden_layer(weight, bias, rep: Rep, levels: list[Level], stats: dict) -> Rep:
    """One ReLU layer → three small-weight levels; returns the ReLU outputs as a :class:`Rep`."""
    l1, l2, l3 = levels
    pres = [integerise(*pa) for pa in preactivations(weight, bias, rep)]
    copies = _Copies()
    used = sorted({s for A, _, _ in pres for s in A})
    for s in used:  # copies first: keeps their columns apart from the per-neuron gates
        copies.through(levels, s, 1)
    plans = []
    for A, C, Q in pres:
        a = {v: (abs(x), x < 0) for v, x in A.items()}
        K = -(C + sum(x for x in A.values() if x < 0))  # σ = [Σ a_v y_v ≥ K]
        total = sum(abs(x) for x in A.values())
        if K <= 0:
            plans.append(("one", None, A, C, Q))
            continue
        if K > total:
            plans.append(("zero", None, A, C, Q))
            continue
        blk, _ = choose_blocks(a, max(1, total.bit_length()), lambda Nb, K=K: (1 << Nb) - K)
        stats["fan_in"] = max(stats["fan_in"], len(A))
        stats["L"] = max(stats["L"], blk.L)
        stats["blocks"] = max(stats["blocks"], blk.nb)
        plans.append(("circuit", blk, A, C, Q))
    carries = [carry_circuit(l1, p[1]) if p[0] == "circuit" else None for p in plans]
    terms, const = [], []
    for (kind, blk, A, C, Q), car in zip(plans, carries):
        if kind == "zero":
            terms.append({})
            const.append(Fraction(0))
            continue
        if kind == "one":  # the neuron is never negative on Boolean inputs: y = pre-activation
            terms.append({copies.through(levels, v, 2): Fraction(x, Q) for v, x in A.items()})
            const.append(Fraction(C, Q))
            continue
        cache: dict = {}
        sigma = carry_into(l2, car, blk.nb, cache)  # κ_nb
        top = car.h[blk.nb - 1]
        if top.coef:
            sigma.coef[l2.copy(top)] = 1
        else:
            sigma.const += top.const
        t: dict[int, Fraction] = {}
        f_sigma = l3.form(sigma.coef) if sigma.coef else None
        for v, x in A.items():
            combo = ((l3.form({copies.through(levels, v, 1): 1}), 1),) + (((f_sigma, 1),) if f_sigma is not None else ())
            t[l3.gate(None, sigma.const - 2, combo=combo)] = Fraction(x, Q)
        if C:
            t[l3.copy(sigma)] = Fraction(C, Q)
        terms.append(t)
        const.append(Fraction(0))
    return Rep(terms, const)


def output_layer(weight, bias, rep: Rep, levels: list[Level], p: Params, stats: dict):
    """The linear output layer → three levels of digits; returns the read-out rows (over level-3 signals).

    With ``|S| ≤ R = ⌈M·Q⌉`` on the grid, ``T = S + R ∈ [0, 2R]`` equals ``S'' mod 2^{Nb}`` for
    ``S'' = Σ (A_v mod 2^{Nb}) z_v + ((C + R) mod 2^{Nb})``; its digits are
    ``D_b = c_b + κ_b − 2^L·[c_b + κ_b ≥ 2^L]`` and the read-out is ``(Σ_{b ≥ b_lo} 2^{bL} D_b − R)/Q``.
    """
    l1, l2, l3 = levels
    pres = [integerise(*pa) for pa in preactivations(weight, bias, rep)]
    copies = _Copies()
    for s in sorted({s for A, _, _ in pres for s in A}):
        copies.through(levels, s, 1)
    first = {v: k for k, v in copies.maps.get(0, {}).items()}
    from_input = {v: first[k] for k, v in copies.maps.get(1, {}).items()}  # level-2 copy -> level-0 signal
    rows = []
    for A, C, Q in pres:
        R = math.ceil(Fraction(p.output_range) * Q)
        n_min = (2 * R).bit_length()
        if n_min > MAX_OUTPUT_BITS:
            raise TooLargeError(f"the output range {float(Fraction(p.output_range)):.3g} at the output's resolution "
                                f"needs {n_min:,} bits of digits (at most {MAX_OUTPUT_BITS}): give a smaller --range")
        a = {v: (x, False) for v, x in A.items()}
        blk, c0 = choose_blocks(a, n_min, lambda Nb: (C + R) % (1 << Nb), modular=True)
        L, nb = blk.L, blk.nb
        stats["fan_in"] = max(stats["fan_in"], len(A))
        stats["L"] = max(stats["L"], L)
        stats["blocks"] = max(stats["blocks"], nb)
        eps_q = Fraction(p.eps) * Q
        b_lo = 0
        while b_lo + 1 < nb and (1 << ((b_lo + 1) * L)) <= eps_q:
            b_lo += 1
        car = carry_circuit(l1, blk)
        cache: dict = {}
        h2: dict[int, Lin] = {}
        ranges: dict[int, tuple[int, int]] = {}  # level-2 signals that are counts, not bits

        def h_at2(b: int) -> Lin:
            if b not in h2:
                hb = car.h[b]
                if hb.coef:
                    sig = l2.copy(hb)
                    ranges[sig] = hb.bounds()
                    h2[b] = Lin({sig: 1}, 0)
                else:
                    h2[b] = Lin({}, hb.const)
            return h2[b]

        acc2: dict[int, Fraction] = {}  # read-out coefficients on level-2 signals
        acc3: dict[int, Fraction] = {}  # … and on level-3 wrap gates
        const = Fraction(-R, Q) + (Fraction(1 << (b_lo * L), 2 * Q) if b_lo else 0)
        for b in range(b_lo, nb):
            total = Lin({copies.through(levels, v, 1): x for v, x in blk.s[b].coef.items()}, blk.s[b].const)
            total.add(h_at2(b), -(1 << L))
            if b:
                total.add(h_at2(b - 1))
            total.add(carry_into(l2, car, b, cache))  # c_b + κ_b, over level-2 signals
            scale = Fraction(1 << (b * L), Q)
            lo_t, hi_t = total.bounds(ranges)
            if hi_t >= 1 << L:
                if lo_t >= 1 << L:
                    const -= scale * (1 << L)
                else:
                    g = l3.gate(total, -(1 << L))
                    acc3[g] = acc3.get(g, 0) - scale * (1 << L)
            for s, x in total.coef.items():
                acc2[s] = acc2.get(s, 0) + scale * x
            const += scale * total.const
        coef: dict[int, Fraction] = dict(acc3)
        for s, v in acc2.items():
            if v == 0:
                continue
            s3 = copies.through(levels, from_input[s], 2) if s in from_input else l3.copy(Lin.of(s))
            coef[s3] = coef.get(s3, 0) + v
        rows.append(({s: v for s, v in coef.items() if v != 0}, const))
    return rows


def transform(net: Network, p: Params) -> Result:
    """Build the depth-(3k+3) small-weight network for ``net`` (see the module docstring)."""
    check_network(net)
    d, k = net.input_dim, net.depth
    read_in = 2 * d * (2**p.bits - 1) + 2 * d * p.bits  # known before allocating anything
    if read_in > p.max_neurons:
        from ..errors import TooLargeError

        raise TooLargeError(
            f"reading {d} coordinates to {p.bits} bits alone takes {read_in:,} neurons (> --max-neurons "
            f"{p.max_neurons:,}); lower --bits"
        )
    budget = Budget(p.max_neurons)
    therm, bits, rep, slopes = read_input(d, p, budget)
    built = [therm, bits]
    stats = {"fan_in": 0, "L": 0, "blocks": 0}
    prev = bits
    for idx, layer in enumerate(net.layers):
        l1 = Level(prev, f"layer {idx + 1} of {k}: block sums", budget)
        l2 = Level(l1, f"layer {idx + 1} of {k}: carries", budget)
        l3 = Level(l2, f"layer {idx + 1} of {k}: " + ("gated outputs" if idx < k - 1 else "digits"), budget)
        if idx < k - 1:
            rep = hidden_layer(layer.weight, layer.bias, rep, [l1, l2, l3], stats)
        else:
            rows = output_layer(layer.weight, layer.bias, rep, [l1, l2, l3], p, stats)
        built += [l1, l2, l3]
        prev = l3
    readout = Level(prev, "read-out")
    for coef, const in rows:
        readout.linear({s: normalize(v) for s, v in coef.items()}, normalize(const))
    layers = [lv.layer("relu") for lv in built] + [readout.layer("identity")]
    md = {
        "construction": "bound_weights",
        "theorem": "Vardi & Shamir 2020 (arXiv:2006.00625), depth k -> 3k+3 with polynomially bounded weights",
        "source": {"depth": k, "widths": net.widths, "construction": net.metadata.get("construction")},
        "domain": {"type": "box", "low": [str(v) for v in p.low], "high": [str(v) for v in p.high]},
        "bits": p.bits,
        "band_bits": p.band_bits,
        "eps": str(p.eps),
        "output_range": str(p.output_range),
    }
    from ..network import Network as Net

    new = Net(tuple(layers), md)
    levels = [
        {"layer": i + 1, "name": lv.name, "neurons": lv.n_neurons, "gates": lv.n_gates, "copies": lv.n_copies}
        for i, lv in enumerate(built)
    ] + [{"layer": len(built) + 1, "name": "read-out", "neurons": readout.n_neurons, "gates": 0, "copies": 0}]
    bound = weight_bound(p, slopes, stats)
    return Result(new, p, slopes, stats["fan_in"], stats["L"], stats["blocks"], levels, bound)


def weight_bound(p: Params, slopes: list[Exact], stats: dict) -> dict:
    """The polynomial bounds the construction promises (see docs/constructions/bound_weights.md).

    * read-in slopes ``1/η = 2^{B+β}/(hi−lo)``;
    * block-sum weights ``< 2^{2L} ≤ 4(n+2)^2`` (``n`` = largest fan-in in Boolean signals), all other
      gate weights ±1;
    * read-out weights ``≤ 2^{L+2}(M+1)``;
    * biases ``≤ max(|x|/η + 1, 2^{3L+2}, 2^{L+2}(M+1))``.
    """
    L, n = stats["L"], stats["fan_in"]
    slope = max(slopes)
    xmax = max(max(abs(v) for v in p.low), max(abs(v) for v in p.high))
    M = Fraction(p.output_range)
    w_terms = {
        "read-in slope 2^(B+beta)/(hi-lo)": slope,
        "block sums 4(n+2)^2": 4 * (n + 2) ** 2,
        "read-out 2^(L+2)(M+1)": (1 << (L + 2)) * (M + 1),
    }
    b_terms = {
        "read-in |x|/eta + 1": xmax * slope + 1,
        "thresholds 2^(3L+2)": 1 << (3 * L + 2),
        "read-out 2^(L+2)(M+1)": (1 << (L + 2)) * (M + 1),
    }
    return {
        "max_abs_weight": normalize(max(w_terms.values())),
        "max_abs_bias": normalize(max(b_terms.values())),
        "weight_terms": {k: normalize(Fraction(v)) for k, v in w_terms.items()},
        "bias_terms": {k: normalize(Fraction(v)) for k, v in b_terms.items()},
        "fan_in": n,
        "block_bits": L,
    }


__all__ = ["Params", "Result", "transform", "check_network", "domain_box", "weight_bound"]
