"""Personal API tokens: owners list, create and revoke their own; admins see and revoke all."""
