"""The agreement: its period, the deadline for an extension, and the history of changes with the
parties' approvals (project leaders and admins record; the steering group reads)."""
