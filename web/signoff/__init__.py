"""A quarter the steering group signs off: the project leader compiles, each party's
representative approves, and the approved report is kept and served as it was approved."""
