"""Container images: tags computed from git refs, and image references."""

from slipway.images.reference import ImageReference, ImageReferenceError, parse_reference
from slipway.images.tags import compute_tags

__all__ = ["ImageReference", "ImageReferenceError", "compute_tags", "parse_reference"]
