"""Before/after questionnaires: question sets, emailed single-use links, the public answer page."""
