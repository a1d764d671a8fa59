"""The bounding machinery: proved upper (and lower) bounds of functions over regions, used by the constructions
to size what they build and by the certificates to prove what was built.

* :mod:`.boxes` — branch and bound over boxes covering the ball, with CROWN-style linear relaxations, for *any*
  ReLU network against a radial target (the general certificate);
* :mod:`.shells` — bounds of ‖x‖² + Σᵢ εᵢ(xᵢ) over the shells r_a ≤ ‖x‖ ≤ r_b of the ball (Lagrangian and
  vertex bounds of Lemma G4), for "sum of univariate pieces" networks;
* :mod:`.profile_tables` — rigorous tables of a target's profile g and its derivatives on a grid of radii;
* :mod:`.interval_max` — a certified maximum of a function of one variable on an interval (branch and bound
  over subintervals with a proved upper bound on each).

Nothing is imported here: each module sits at its own layer of the import contract (pyproject.toml).
"""
