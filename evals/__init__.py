"""Evaluation: datasets in the contract's form (section 5) and the harness that drives ``bot`` with them."""
