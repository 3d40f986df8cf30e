"""Request bodies shared by the locust scenarios (bench/locustfile.py) and the in-process
profile (bench/inprocess.py), so that both measure the same request."""

# POST /api/v1/cases/mine: the demo contact service, in Oullins.
CONTACT = {
    "service": "contact",
    "commune": "oullins",
    "data": {
        "theme": "etat_civil",
        "objet": "Acte de naissance",
        "message": "Bonjour, je voudrais une copie intégrale de mon acte de naissance.",
        "email": "usager@example.org",
    },
}
