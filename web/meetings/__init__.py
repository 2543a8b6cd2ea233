"""Network meetings (11:11 Meet Malmö): the project leader's pages to plan a meeting, invite
companies, choose a diverse group and record attendance and offers; the public sign-up form and
invitation answer page; and the steering group's page of what the meetings did for the network."""
