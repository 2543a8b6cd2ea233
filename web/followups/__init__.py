"""The welfare officer's 3- and 6-month follow-up of their own unit's clients."""
