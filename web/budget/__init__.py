"""The agreement's budget: lines and financing per agreement year, actual costs by hand or from
the ledger, and their follow-up (project leaders and admins edit; the steering group reads)."""
