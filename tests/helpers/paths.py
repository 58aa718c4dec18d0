"""Where things are, for the tests and their helpers: the repository and the tests' fixtures.

tests/fixtures/ is the one tree of files the tests read: events/ (recorded runs, re-recorded
by events/record.py), playbooks/ (one file per case; record/ is what events/ was recorded
from) and grading_cases/ (the answers the grading tests run)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
EVENTS = FIXTURES / "events"  # <name>.jsonl: a recorded run's events
PLAYBOOKS = FIXTURES / "playbooks"
GRADING_CASES = FIXTURES / "grading_cases"
