"""Re-encrypt the wallet's files with the current key (the first of WALLET_ENCRYPTION_KEYS),
after a new key was put first; the old key can be removed once this has run (docs/wallet.md)."""

from django.core.management.base import BaseCommand

from guichet.wallet.services import wallet_documents_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt the wallet's files with the current key (key rotation)."

    def handle(self, *args, **options):
        done, failed = wallet_documents_reencrypt()
        self.stdout.write(f"{done} fichier(s) rechiffré(s), {failed} illisible(s)")
        if failed:
            self.stderr.write(
                "Des fichiers n'ont pas pu être déchiffrés : gardez l'ancienne clé configurée."
            )
