"""Group activities: stadium visits at Olympia, match-host shadowing, association life and
wellness, with participants and attendance (project leaders only)."""
