"""spiff-tui: a live terminal leaderboard for sales contests scored from CRM exports."""

__version__ = "0.1.0"
