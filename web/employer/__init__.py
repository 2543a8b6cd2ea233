"""The employer portal: a company's own offers and visits, proposals to answer, and the public
page behind the emailed accept/decline link."""
