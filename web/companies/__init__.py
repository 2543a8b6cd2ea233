"""The company network area: companies, contacts, offers, capacity and the company import."""
