"""Robustness tests (issue 7): bad input, faults and reproducibility, tested systematically."""
