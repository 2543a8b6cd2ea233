"""Matching: recommendations on offer and candidate pages, the quarterly planner, the ranker
model registry and the fairness audit."""
