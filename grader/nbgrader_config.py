# nbgrader settings of the course. nbgrader reads this file when it runs in this folder
# (`make release`, `make autograde`, ... run it there inside the lab container).
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

try:
    from asynclab.classroom.feedback import HideHiddenTests, ShortenTracebacks
except ImportError as missing:
    # traitlets would log the error and go on without this file: feedback would then show
    # the hidden tests and full tracebacks. Stop instead.
    raise SystemExit(
        f"nbgrader_config.py needs asynclab.classroom from the lab image (rebuild it with `make lab`): {missing}"
    ) from None

c = get_config()  # noqa: F821 (provided by traitlets)

c.CourseDirectory.course_id = "async-lab"
# realpath: the lab image may link this file into a Jupyter config folder so that the
# learner's Assignments tab and the formgrader find the course and its exchange.
c.CourseDirectory.root = os.path.dirname(os.path.realpath(__file__))
# The .md files in source/ are the jupytext pairs of the notebooks: they hold the solutions
# and the hidden tests, so they are never copied into a release or a feedback folder.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md"]

# nbgrader's default exchange (/usr/local/share/nbgrader/exchange) does not exist in the lab
# and is not writable. In the lab container the exchange lives in the work volume, so
# submissions survive `make down`/`make up`; elsewhere in the home folder.
if os.environ.get("NBGRADER_EXCHANGE"):
    exchange = os.environ["NBGRADER_EXCHANGE"]
elif os.environ.get("ASYNCLAB_IN_LAB"):
    exchange = os.path.expanduser("~/work/.nbgrader-exchange")
else:
    exchange = os.path.expanduser("~/.nbgrader-exchange")
os.makedirs(exchange, exist_ok=True)
c.Exchange.root = exchange

# Per cell. The exercises' own runs are cut much earlier by the lab's playbook timeouts.
c.Execute.timeout = 600

# Feedback never shows the hidden tests nor a traceback (nbgrader shows both by default).
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, ShortenTracebacks, CSSHTMLHeaderPreprocessor]
