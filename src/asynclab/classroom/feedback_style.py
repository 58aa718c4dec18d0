"""A preprocessor for `nbgrader generate_feedback`: the page's own style.

nbgrader's feedback page has Bootstrap's style and no limit on an image's width: a timeline
wider than the column (JupyterLab's HTML viewer, a narrow window) is cut at the right edge.
Its output boxes keep long lines on one line, behind a scroll bar. This adds the lines of CSS
that fit every image in its column and wrap the checks' lines. It runs after nbconvert's
CSSHTMLHeaderPreprocessor, which sets the page's inline CSS.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

CSS = """\
/* asynclab: no image wider than its column; the checks' long lines wrap */
div.output_area img, div.output_subarea img, div.cell img {
  max-width: 100%;
  height: auto;
}
div.output_subarea {
  max-width: 100%;
  min-width: 0;
}
div.output_area pre, div.output_subarea pre {
  white-space: pre-wrap;
  overflow-wrap: break-word;
  word-break: normal;
}
"""


class FeedbackStyle(Preprocessor):
    """Add the course's CSS to the page's inline CSS (resources' inlining.css)."""

    enabled = Bool(True).tag(config=True)

    css = Unicode(CSS, help="CSS added to the feedback page, after nbconvert's own").tag(config=True)

    def preprocess(self, nb, resources):
        inlining = resources.setdefault("inlining", {})
        inlining["css"] = [*inlining.get("css", []), self.css]
        return nb, resources
