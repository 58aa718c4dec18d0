"""Parallel class grading: how many workers, and how submissions are handed out.

The scheduler is tested with stand-in workers and a stand-in course (no Docker here); the
real workers, with their own hosts, are in tests/integration/test_grading_course.py.
"""

import threading
import time

from asynclab.classroom.autograde import GRADED, LAB_FAILED, NOT_GRADED, Outcome
from asynclab.classroom.parallel import WORKER_MEMORY, WorkerLimits, grade_class, worker_limits
from asynclab.classroom.workers import WorkerError

GiB = 2**30


def workers(pending, cores, available, inotify_instances=1024):
    return worker_limits(pending, cores=cores, available=available, inotify_instances=inotify_instances)


def test_workers_are_bounded_by_submissions_cores_memory_and_inotify():
    assert workers(8, cores=2, available=24 * GiB).count == 3  # a worker mostly waits
    assert workers(8, cores=1, available=24 * GiB).count == 1
    assert workers(1, cores=16, available=24 * GiB).count == 1
    assert workers(8, cores=16, available=1 * GiB + 3 * WORKER_MEMORY).count == 3
    assert workers(8, cores=16, available=512 * 2**20).count == 1  # never none
    # Linux's default of 128 instances holds the lab's stack and two workers' hosts.
    assert workers(8, cores=16, available=24 * GiB, inotify_instances=128).count == 2


def test_the_inotify_limit_is_named_only_when_it_is_what_holds_the_count_down():
    assert workers(8, cores=16, available=24 * GiB, inotify_instances=128).held_by_inotify
    assert workers(8, cores=16, available=24 * GiB, inotify_instances=128).max_user_instances == 128
    assert not workers(8, cores=1, available=24 * GiB, inotify_instances=128).held_by_inotify  # one core holds it
    assert not workers(2, cores=16, available=24 * GiB, inotify_instances=128).held_by_inotify  # two to grade
    unknown = WorkerLimits(pending=8, cpu=26, memory=14, inotify=None)  # no /proc: no limit known
    assert unknown.count == 8 and not unknown.held_by_inotify


class Course:
    container, path = "lab", "/course"

    def __init__(self):
        self.imported, self.active, self.most_active = [], 0, 0
        self.lock = threading.Lock()

    def import_graded(self, assignment, student):
        with self.lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(0.01)
        self.imported.append(student)
        with self.lock:
            self.active -= 1
        return Outcome(student, GRADED, 0.0, "", "27 / 27")


class Worker:
    def __init__(self, number, fail_start=0, fail_on=(), broken=()):
        self.number, self.fail_start, self.fail_on, self.broken = number, fail_start, set(fail_on), set(broken)
        self.graded, self.starts, self.stopped = [], 0, False

    def __str__(self):
        return f"worker {self.number}"

    def start(self, lab, course, assignment):
        self.starts += 1
        if self.starts <= self.fail_start:
            raise WorkerError("db1 did not become healthy")

    def grade(self, lab, course, assignment, student, timeout):
        if student in self.fail_on:
            raise WorkerError("the grader container went away")
        time.sleep(0.02)
        self.graded.append(student)
        if student in self.broken:
            return Outcome(student, NOT_GRADED, 0.0, "NotJSONError", worker=str(self.number)), False
        return Outcome(student, GRADED, 0.0, "", "27 / 27", worker=str(self.number)), True

    def stop(self):
        self.stopped = True


STUDENTS = [f"s{i}" for i in range(8)]


def test_every_student_is_graded_once_spread_over_the_workers_and_imported_one_at_a_time():
    course, workers = Course(), [Worker(1), Worker(2), Worker(3)]
    outcomes = grade_class(course, workers, "a", STUDENTS, 60)
    assert [o.student for o in outcomes] == STUDENTS
    assert all(o.status == GRADED and o.score == "27 / 27" for o in outcomes)
    graded = [s for w in workers for s in w.graded]
    assert sorted(graded) == STUDENTS
    assert all(w.graded for w in workers)
    assert sorted(course.imported) == STUDENTS and course.most_active == 1


def test_a_broken_notebook_is_not_imported_and_the_rest_go_on():
    course = Course()
    outcomes = grade_class(course, [Worker(1, broken={"s3"})], "a", STUDENTS, 60)
    assert {o.student: o.status for o in outcomes}["s3"] == NOT_GRADED
    assert "s3" not in course.imported and len(course.imported) == 7


def test_a_worker_that_fails_hands_the_rest_to_the_others():
    course, bad, good = Course(), Worker(1, fail_on={"s0"}), Worker(2)
    outcomes = {o.student: o for o in grade_class(course, [bad, good], "a", STUDENTS, 60)}
    assert outcomes["s0"].status == LAB_FAILED and "worker 1 failed" in outcomes["s0"].detail
    assert all(outcomes[s].status == GRADED for s in STUDENTS[1:])
    assert bad.graded == [] and sorted(good.graded) == STUDENTS[1:]


def test_a_worker_that_starts_on_the_second_try_grades():
    worker = Worker(1, fail_start=1)
    outcomes = grade_class(Course(), [worker], "a", STUDENTS[:2], 60)
    assert worker.starts == 2 and all(o.status == GRADED for o in outcomes)


def test_when_no_worker_starts_every_student_is_a_lab_failure_with_the_reason():
    worker = Worker(1, fail_start=5)
    outcomes = grade_class(Course(), [worker], "a", STUDENTS[:3], 60)
    assert [o.status for o in outcomes] == [LAB_FAILED] * 3
    assert "db1 did not become healthy" in outcomes[0].detail and worker.stopped
