"""A preprocessor for `nbgrader generate_feedback`: every chart gets its alternative text.

The lab's timelines carry their description in their PNG (its ``Description`` text chunk,
written by asynclab.view.timeline.TimelineFigure). nbconvert writes an image's ``alt`` from its
output's metadata only, and otherwise warns ("Alternative text is missing") and writes a
placeholder: this preprocessor copies each description into that metadata.
"""

from __future__ import annotations

import base64
import binascii
import io

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

PNG = "image/png"


def png_description(data: str, key: str = "Description") -> str:
    """The text chunk ``key`` of a base64 PNG, or "" when it has none or is not a PNG."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            return str(getattr(image, "text", {}).get(key, "")).strip()
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError):
        return ""


class DescribeImages(Preprocessor):
    """Give each PNG output the description its image carries, as its alternative text."""

    # nbgrader registers its converters' preprocessors without enabling them.
    enabled = Bool(True).tag(config=True)

    text_key = Unicode("Description", help="The PNG text chunk that holds an image's description").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PNG not in data:
                continue
            metadata = output.setdefault("metadata", {})
            image_metadata = metadata.setdefault(PNG, {})
            if image_metadata.get("alt") or metadata.get("alt"):
                continue
            described = png_description(data[PNG], self.text_key)
            if described:
                image_metadata["alt"] = described
        return cell, resources
