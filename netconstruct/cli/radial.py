"""``radial`` and ``verify``: build a network for a radial target, or re-verify a saved one."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import FormatError, UsageError
from . import options as opt
from .app import app, emit_json, handled, stages, stdout
from .options import (Atol, BoxTime, Digits, General, GExpr, Json, Lipschitz, MaxMemory, MaxRegions, NetworkFile,
                      OutFile, Samples, Scheduler, TargetName, Tol, Workers, budget, memory, positive, target, writable)
from .render import stats_rows, table, verification_rows


@app.command()
def radial(
    d: Annotated[int, typer.Option("--d", help="Input dimension d ≥ 1.")] = 50,
    eps: Annotated[str, typer.Option("--eps", help="Target sup-norm accuracy ε > 0 over the ball (read exactly).")] = "0.1",
    depth: Annotated[int, typer.Option("--depth", help="Network depth (number of affine layers): 3, or 2.")] = 3,
    regime: Annotated[str, typer.Option(
        "--regime", help="For --depth 2: 'dimension' (size poly(d) at fixed ε) or 'accuracy' (size poly(1/ε) at fixed d).")
    ] = "dimension",
    knots: Annotated[str, typer.Option(
        "--knots", help="Depth 3: knots of the squares — geometric (relative error, O(d·log(d/ε)/√ε) neurons), "
                        "uniform (the textbook kR/n), or auto (whichever is smaller).")] = "auto",
    target_name: TargetName = None,
    g: GExpr = None,
    radius: Annotated[str, typer.Option(
        "--radius", help="Radius R of the ball. Named targets scale with R (sine is R·sin(πr/R)/π).")] = "1",
    lipschitz: Lipschitz = None,
    out: OutFile = None,
    json_out: Json = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampled verification points.")] = 0,
    samples: Samples = 10_000,
    digits: Digits = 50,
    max_neurons: Annotated[int, typer.Option(
        "--max-neurons", help="Refuse to build larger networks (at the default, minutes of build and proof).")] = 1_000_000,
    verify: Annotated[bool, typer.Option("--verify/--no-verify", help="Run the verification after building.")] = True,
    timings: Annotated[bool, typer.Option("--timings", help="Include timings in --json output (not reproducible).")] = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
    box_time: BoxTime = 120.0,
    max_regions: MaxRegions = 2_000_000,
    general: General = "auto",
    tol: Tol = 1e-3,
    atol: Atol = 0.0,
) -> None:
    """Build an explicit network for a radial target f(x) = g(‖x‖) on the ball, and verify it.

    Depth 3 (default): the classical construction, size polynomial in d and 1/ε; with geometric knots
    about d·log(d/ε)/√ε neurons.  Named targets are defined relative to R: --target sine --radius 2 is
    2·sin(πr/2)/π on the ball of radius 2 (the report's target line shows the expression).
    Depth 2: --regime dimension (size poly(d) for fixed ε) or --regime accuracy (poly(1/ε) for fixed d).

    Example:  netconstruct radial --d 50 --eps 0.1 --target sine --out net.json
    Example:  netconstruct radial --depth 2 --regime accuracy --d 2 --eps 0.05
    """
    with handled():
        writable(out)
        from ..constructions import find
        from ..jsonio import save
        from ..verify import build_and_verify

        opt.dimension(d)
        opt.samples(samples)
        opt.digits(digits)
        opt.seed(seed)
        eps_q = positive(eps, "eps")
        construction = find(depth, regime if depth == 2 else None)
        if knots not in ("auto", "geometric", "uniform"):
            raise UsageError(f"--knots must be auto, geometric or uniform, got {knots!r}")
        options = {"knots": None if knots == "auto" else knots} if depth == 3 else {}
        limits = budget(box_time, max_regions, general, tol, atol)
        workers, scheduler = opt.parallel(workers, scheduler)  # last: its note comes only when the command goes on
        with stages(True) as progress:
            progress("certifying the Lipschitz constant of g")
            tgt = target(target_name, g, radius, lipschitz)
            net, rep, t_build = build_and_verify(construction, d, eps_q, tgt, max_neurons, verify, samples, seed,
                                                 digits, progress, options, workers, scheduler, limits)
            if out is not None:
                progress(f"writing {out}")
                save(net, out)
        stats = net.stats()
        md = net.metadata
        result = {
            "network": stats,
            "construction": md.get("construction"),
            "parameters": md.get("parameters"),
            "target": md.get("target"),
            "bounds": md.get("bounds"),
            "verification": rep.to_json() if rep else None,
            "out": str(out) if out else None,
        }
        tim = {"build_s": t_build, **(rep.timings if rep else {})}
        if json_out:
            emit_json({**result, "timings": tim} if timings else result)
        else:
            con = stdout()
            con.print(table(f"depth-{net.depth} network for g(r) = {tgt.expression} on the ball of radius {radius} in R^{d}",
                            stats_rows(stats)))
            if rep:
                con.print(table("verification", verification_rows(rep)))
            con.print("timings: " + ", ".join(f"{k[:-2]} {v:.2f}s" for k, v in tim.items()), highlight=False)
            if out:
                con.print(f"wrote {out}", highlight=False)
        if rep and not rep.ok:
            explain(rep)
            raise typer.Exit(1)


@app.command("verify")
def verify_cmd(
    network: NetworkFile,
    eps: Annotated[Optional[str], typer.Option("--eps", help="Claimed ε (default: the one stored in the file).")] = None,
    target_name: TargetName = None,
    g: GExpr = None,
    radius: Annotated[Optional[str], typer.Option("--radius", help="Radius of the ball (default: from the file).")] = None,
    lipschitz: Lipschitz = None,
    json_out: Json = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampled verification points.")] = 0,
    samples: Samples = 10_000,
    digits: Digits = 50,
    max_memory: MaxMemory = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    box_time: BoxTime = 120.0,
    max_regions: MaxRegions = 2_000_000,
    general: General = "auto",
    tol: Tol = 1e-3,
    atol: Atol = 0.0,
) -> None:
    """Re-verify a saved network against its target: sup error ∈ [lower, upper], exit 0 only on a proof.

    upper is a proved bound (the network's structural certificate and/or the general box branch and
    bound, which takes any ReLU network — trained or imported too); lower is the worst error found
    (structured points, hill climbing, confirmed at --digits digits).  With --eps: exit 0 when upper ≤ ε,
    exit 1 with "counterexample" when lower > ε, exit 1 with "not certified" when neither is settled
    within --time / --max-regions.

    Example:  netconstruct verify net.json
    Example:  netconstruct import net.onnx --out t.json && netconstruct verify t.json --target sine --eps 0.1
    """
    with handled():
        from ..certificates import check_metadata, ensure_certifiable
        from ..jsonio import load
        from ..targets import target_for
        from ..verify import verify_radial

        opt.samples(samples)
        opt.digits(digits)
        opt.seed(seed)
        net = load(network, memory(max_memory))
        ensure_certifiable(net)
        check_metadata(net)
        if radius is not None:
            positive(radius, "radius")
        if lipschitz is not None:
            positive(lipschitz, "lipschitz")
        tgt = target_for(net.metadata.get("target"), target_name, g, radius, lipschitz)
        stored = (net.metadata.get("parameters") or {}).get("eps")
        if eps is not None:
            eps_q, eps_source = positive(eps, "eps"), "--eps"
        elif stored is not None:  # the file's own claim: checked, and said to be the file's
            try:
                eps_q = positive(str(stored)[:100], "eps")
            except UsageError as exc:
                raise FormatError(f"{network}: parameters.eps: {exc}") from None
            eps_source = "file"
        else:
            eps_q, eps_source = None, "--eps"
        limits = budget(box_time, max_regions, general, tol, atol, memory(max_memory))
        workers, scheduler = opt.parallel(workers, scheduler)  # last: its note comes only when the command goes on
        with stages(True) as progress:
            rep = verify_radial(net, tgt, eps_q, samples=samples, seed=seed, dps=digits, progress=progress,
                                workers=workers, scheduler=scheduler, budget=limits, eps_source=eps_source)
        if json_out:
            emit_json(rep.to_json())
        else:
            stdout().print(table(f"verification of {network}", verification_rows(rep)))
        if not rep.ok:
            explain(rep)
            raise typer.Exit(1)


def explain(rep) -> None:
    """One line on stderr saying why a check failed (exit 1 follows)."""
    from .app import stderr

    reasons = {
        "counterexample": f"counterexample: a point with error {float(rep.sampled.value):.6g} > ε was found",
        "not certified": ("not certified: " + (f"the proved bound {float(rep.certified.value):.6g} exceeds ε"
                                               if rep.certified.value is not None else rep.certified.reason)
                          + " (a sampled error is only a lower bound, never a pass)"),
    }
    line = reasons.get(rep.verdict, "a check failed: " + ", ".join(k for k, v in rep.checks.items() if not v))
    if rep.checks.get("stored_a_priori_ge_empirical") is False:
        line = (f"the file's stored a-priori bound {rep.a_priori} is refuted: a point with error "
                f"{float(rep.sampled.value):.6g} was found (the file's claim is wrong)")
    from rich.markup import escape

    stderr().print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
