"""Widgets of the board, one public widget per module."""
