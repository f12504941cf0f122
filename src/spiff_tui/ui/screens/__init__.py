"""Drilldown and help screens, each beside its stylesheet."""
