"""Training studies: experiments that learn a network from samples (not exact constructions)."""
