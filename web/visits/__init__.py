"""Workplace visits: booking, the status machine's pages, needs-action lists, calendar views
and the personal calendar feed (the project leader's daily work)."""
