from django.apps import AppConfig


class MailGatewayConfig(AppConfig):
    """The e-mail channel: a Maildir's messages become case messages or new cases, filed
    through the engine's own services (``case_message_add``, ``case_submit``). No models."""

    name = "guichet.mailgateway"
    label = "mailgateway"
