"""The case engine's upload checks live in ``core.uploads`` (every door shares them); this
module keeps the names the cases app and its callers import."""

from guichet.core.uploads import CleanFile, check_upload, max_upload_bytes

__all__ = ["CleanFile", "check_upload", "max_upload_bytes"]
