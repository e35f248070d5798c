"""Analyses of simulation records: KPIs, comparisons."""
