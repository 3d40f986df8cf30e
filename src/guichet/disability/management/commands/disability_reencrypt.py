"""Rewrite every piece of the disability files under the first key of
DISABILITY_ENCRYPTION_KEYS (after a rotation), or print a new key (--new-key)."""

from django.core.management.base import BaseCommand

from guichet.disability import crypto
from guichet.disability.pieces import pieces_reencrypt


class Command(BaseCommand):
    help = "Rechiffre les pièces des dossiers MDMPH avec la première clé (rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="Affiche une nouvelle clé.")

    def handle(self, *args, **options):
        if options["new_key"]:
            self.stdout.write(crypto.new_key())
            return
        done, unreadable = pieces_reencrypt()
        self.stdout.write(f"pièces rechiffrées : {done} ; illisibles (clé absente) : {unreadable}")
        if unreadable:
            raise SystemExit(1)
