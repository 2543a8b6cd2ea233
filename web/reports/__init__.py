"""The steering group's follow-up: the quarterly report as a dashboard, print page, exports and CLI."""
