"""Companies' commitments: the page per contracting department, its export, the contract-list
import, the recommendations' weight, and the employer's own commitment in the portal."""
