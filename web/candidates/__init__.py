"""The candidate bank: referrals by welfare officers, the project leader's bank, candidate pages,
consent, and the bulk import."""
