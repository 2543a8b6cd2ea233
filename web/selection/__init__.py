"""Selection in consultation with AF and AMF: the referrals awaiting selection as the partners see
them, their positions, and the project leader's selection meetings with their minutes."""
