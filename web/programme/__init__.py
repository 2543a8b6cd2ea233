"""Programme settings for admins: period, budget, parties, funding, goals and milestones."""
