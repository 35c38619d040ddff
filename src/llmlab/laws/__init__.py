"""Scaling laws: published fits, compute, allocation, cost and a fitter for your own runs."""
