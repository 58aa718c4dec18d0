# nbgrader settings of the course. nbgrader reads this file when it runs in this folder
# (`make release`, `make autograde`, ... run it there inside the lab container).
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    GetGrades,
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    SaveCells,
)

try:
    from asynclab import settings
    from asynclab.classroom.feedback import HideHiddenTests, ShortenTracebacks
    from asynclab.classroom.feedback_alt_text import DescribeImages
    from asynclab.classroom.feedback_comments import DropEmptyComments
    from asynclab.classroom.feedback_names import NameExercises
    from asynclab.classroom.feedback_records import DropOutcomeRecords
    from asynclab.classroom.feedback_style import FeedbackStyle
    from asynclab.classroom.feedback_template import TEMPLATE_FILE, template_basedirs
    from asynclab.classroom.feedback_timeline_once import DropRepeatedTimeline
    from asynclab.classroom.self_check_mode import SelfCheckMode
    from asynclab.classroom.unpaired import DropPairing
    from asynclab.classroom.validation import use_course_validator
    from asynclab.grading.answers import STUB
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
elif settings.IN_LAB.get():
    exchange = os.path.expanduser("~/work/.nbgrader-exchange")
else:
    exchange = os.path.expanduser("~/.nbgrader-exchange")
os.makedirs(exchange, exist_ok=True)
c.Exchange.root = exchange
# The inbound folder is sticky, a submission is readable by its learner and the instructors
# only, and one that names another learner than the Unix user who made it is refused at
# collection as a forgery (asynclab.classroom.exchange).
c.ExchangeFactory.release_assignment = "asynclab.classroom.exchange.StickyInboundRelease"
c.ExchangeFactory.submit = "asynclab.classroom.exchange.PrivateSubmit"
c.ExchangeFactory.collect = "asynclab.classroom.exchange.OwnerCheckedCollect"
# On the hub (deploy/jupyterhub) every person is a Unix user of their own: the exchange's
# course folder belongs to the instructors' group (nbgrader's groupshared mode), and each
# fetched assignment lands in a folder named after the course.
if settings.HUB.get():
    c.CourseDirectory.groupshared = True
    c.Exchange.path_includes_course = True

# Per cell. The exercises' own runs are cut much earlier by the lab's playbook timeouts.
c.Execute.timeout = 600

# Validate (the Assignments tab's button and `nbgrader validate`) sums up: one line, then
# the answers short of full marks with the checks' words, then the unanswered in one line.
use_course_validator()

# Feedback never shows the hidden tests nor a traceback (nbgrader shows both by default).
# Its contents name the exercises and list only real comments; the learner's timeline is
# drawn once (under the check, beside the reference's); every chart has its alternative
# text, fits its column, and the checks' long lines wrap. The outcome records autograde leaves
# for the class report (make report) are the instructor's: left out.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    DropOutcomeRecords,
    HideHiddenTests,
    ShortenTracebacks,
    DropEmptyComments,
    NameExercises,
    DropRepeatedTimeline,
    DescribeImages,
    CSSHTMLHeaderPreprocessor,
    FeedbackStyle,
]
# The course's page extends nbgrader's (asynclab.classroom.feedback_template); set for the
# feedback's exporter only: the formgrader's pages keep their own template.
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = template_basedirs()
c.GenerateFeedback.HTMLExporter.template_file = TEMPLATE_FILE

# Before submitting, the visible `%self_check NAME` line of each test cell checks that answer
# with the grader's own checks. formative: learners see the verdicts, and Validate fails on
# an answer short of full marks with the grader's words; summative: verdicts only in the
# feedback (Validate then fails only on an answer not given). Applied by `make release`
# (or once: nbgrader generate_assignment ... --SelfCheckMode.mode=summative).
c.SelfCheckMode.mode = "formative"
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    ClearSolutions,
    ClearOutput,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    SelfCheckMode,
    DropPairing,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
]
# An answer left as released is a comment (YAML under %%playbook, Python elsewhere), which
# the lab reads as "not answered yet".
c.ClearSolutions.code_stub = {"python": STUB}
