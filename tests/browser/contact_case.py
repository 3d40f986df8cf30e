"""A contact case Camille (the demo citizen of Oullins) filed, for the browser tests."""

CAMILLE = "camille.martin@example.org"


def contact_case_of_camille(demo, *, theme: str, objet: str, message: str):
    from guichet.accounts.models import User
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit
    from guichet.catalogue.models import ServiceDefinition

    camille = User.objects.get(email=CAMILLE)
    return case_submit(
        actor=camille,
        definition=ServiceDefinition.objects.get(key="contact"),
        channel=Channel.WEB,
        requester=camille,
        commune=demo["oullins"],
        data={"theme": theme, "objet": objet, "message": message, "email": camille.email},
    ).case
