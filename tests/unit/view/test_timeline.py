"""The timeline drawn from recorded runs: one lane per host, tasks above, jobs below."""

from asynclab.run.folding import load_events
from asynclab.run.result import RunResult, result_from_events
from asynclab.view.magic import figure_png
from asynclab.view.timeline import JOB_COLORS, TASK_COLORS, overlapping_jobs, plot_timeline
from tests.helpers.paths import EVENTS


def recorded(name):
    return result_from_events(load_events(EVENTS / f"{name}.jsonl"))


def bars(fig):
    """(facecolor hex, x, width, y) of every bar drawn."""
    from matplotlib.colors import to_hex

    ax = fig.axes[0]
    out = []
    for coll in ax.collections:
        for path, face in zip(coll.get_paths(), coll.get_facecolors(), strict=True):
            ext = path.get_extents()
            out.append((to_hex(face, keep_alpha=False), ext.x0, ext.width, ext.y0))
    return out


def test_one_lane_per_host_in_inventory_order():
    fig = plot_timeline(recorded("fire_and_wait"))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["app1", "db1", "web3", "web2", "web1"]  # drawn bottom-up: web1 on top


def test_jobs_overlap_and_tasks_are_drawn():
    r = recorded("fire_and_wait")
    fig = plot_timeline(r)
    drawn = bars(fig)
    job_bars = [b for b in drawn if b[0] == JOB_COLORS["ok"]]
    task_bars = [b for b in drawn if b[0] in (TASK_COLORS["changed"], TASK_COLORS["ok"])]
    assert len(job_bars) == 5 and len(task_bars) == 10
    assert overlapping_jobs(r) == 5
    # a job bar spans its run on the target (sleep 4)
    assert all(3.5 < b[2] < 6 for b in job_bars)


def test_sequential_loop_jobs_overlap_partly():
    r = recorded("loop_jobs")
    assert overlapping_jobs(r) >= 2


def test_timeouts_are_drawn_in_their_colour():
    for name in ("timeout_controller", "timeout_status"):
        drawn = bars(plot_timeline(recorded(name)))
        assert any(b[0] == JOB_COLORS["timeout"] for b in drawn), name


def test_unreachable_task_is_drawn():
    drawn = bars(plot_timeline(recorded("unreachable")))
    assert any(b[0] == TASK_COLORS["unreachable"] for b in drawn)


def test_empty_run_says_nothing_ran():
    fig = plot_timeline(RunResult())
    assert "nothing ran" in [t.get_text() for t in fig.axes[0].texts]


def test_renders_to_png():
    png = figure_png(plot_timeline(recorded("poll_positive")))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_the_figure_shows_itself_in_jupyter():
    fig = recorded("loop_jobs").timeline()
    assert fig._repr_png_()[:4] == b"\x89PNG"


def launch_of(result, job):
    return next(t for t in result.tasks if t.host == job.host and t.task == job.task)


def test_each_job_has_a_lane_of_its_own_under_its_host():
    from asynclab.view.timeline import layout

    r = recorded("loop_jobs")  # three jobs on app1, launched by one looped task
    plan = layout(r)
    jobs = plan.bars_of("app1", "job")
    assert plan.lanes["app1"] == 4 and sorted(b.lane for b in jobs) == [1, 2, 3]
    assert [b.x0 for b in sorted(jobs, key=lambda b: b.lane)] == sorted(b.x0 for b in jobs)
    assert {b.lane for b in plan.bars_of("app1", "task")} == {0}


def test_a_jobs_bar_begins_inside_its_launch_task():
    from asynclab.view.timeline import job_begin, layout

    for name in ("fire_and_wait", "loop_jobs", "timeout_status"):
        r = recorded(name)
        plan = layout(r)
        origin = r.started_at
        for job in r.jobs:
            launch = launch_of(r, job)
            begin = job_begin(job)
            assert launch.start <= begin <= launch.end, (name, job.jid, launch.start, begin, launch.end)
            (bar,) = [b for b in plan.bars_of(job.host, "job") if b.label == job.jid]
            assert bar.x0 == (begin - origin).total_seconds()


def test_labels_are_cut_at_a_word_with_an_ellipsis():
    from asynclab.view.timeline import fitted

    assert fitted("Run the long task and wait for it", 20) == "Run the long task…"
    assert fitted("Launch", 20) == "Launch"
    assert fitted("Launch", 3) == "" and fitted("Launch hanging job", 5) == ""  # never cut mid-word


def test_a_task_too_short_for_its_name_gets_a_number_and_a_key():
    fig = plot_timeline(recorded("timeout_status"), width=2)  # a narrow figure: the 1 s launch has no room
    ax = fig.axes[0]
    numbers = {t.get_text() for t in ax.texts}
    keyed = [t.get_text() for t in fig.legends[0].get_texts() if t.get_text()[:1].isdigit()]
    assert keyed and all(entry.split(":")[0] in numbers for entry in keyed), (numbers, keyed)


def test_two_jobs_per_host_give_two_job_lanes_per_host():
    from asynclab.view.timeline import layout

    r = recorded("two_jobs_per_host")
    plan = layout(r)
    assert len(plan.hosts) == 5
    for host in plan.hosts:
        jobs = plan.bars_of(host, "job")
        assert len(jobs) == 2 and sorted(b.lane for b in jobs) == [1, 2], host
        first, second = sorted(jobs, key=lambda b: b.lane)
        assert first.x0 <= second.x0 < first.x1  # the two ran side by side, each in its lane
        for bar in jobs:
            job = next(j for j in r.jobs if j.jid == bar.label)
            launch = launch_of(r, job)
            assert (
                (launch.start - r.started_at).total_seconds() <= bar.x0 <= (launch.end - r.started_at).total_seconds()
            )


def test_a_looped_wait_is_hatched_on_every_host_where_a_job_outlasted_its_start():
    """Hatching means the same on every host: an async_status task that a job was still
    running at the start of, and that saw it end, waited, also when each item was finished
    at its first look (no retry counted)."""
    from datetime import datetime, timedelta

    from asynclab.run.records import AsyncJob, TaskRun
    from asynclab.view.timeline import layout

    t0 = datetime(2026, 1, 1)
    result = RunResult(started_at=t0)
    for host, attempts in (("web1", 3), ("web3", 1)):
        launch = TaskRun(host, "launch", "command", "u1", status="changed", start=t0, end=t0 + timedelta(seconds=1))
        wait = TaskRun(
            host,
            "wait for both jobs",
            "ansible.builtin.async_status",
            "u2",
            status="ok",
            start=t0 + timedelta(seconds=1),
            end=t0 + timedelta(seconds=5),
            attempts=attempts,
        )
        job = AsyncJob(
            host,
            f"j-{host}",
            "launch",
            launched=t0 + timedelta(seconds=0.5),
            end=t0 + timedelta(seconds=4.8),
            finished=True,
            status="ok",
        )
        result.tasks += [launch, wait]
        result.jobs.append(job)
    waited = {b.host: b.waited for b in layout(result).bars if b.kind == "task" and b.label == "wait for both jobs"}
    assert waited == {"web1": True, "web3": True}


def test_a_wait_that_found_its_job_already_finished_is_not_hatched():
    from datetime import datetime, timedelta

    from asynclab.run.records import AsyncJob, TaskRun
    from asynclab.view.timeline import layout

    t0 = datetime(2026, 1, 1)
    result = RunResult(started_at=t0)
    result.tasks.append(
        TaskRun(
            "web1",
            "wait",
            "async_status",
            "u2",
            status="ok",
            start=t0 + timedelta(seconds=5),
            end=t0 + timedelta(seconds=5.4),
        )
    )
    result.jobs.append(AsyncJob("web1", "j1", "launch", launched=t0, end=t0 + timedelta(seconds=3), finished=True))
    assert not any(b.waited for b in layout(result).bars if b.kind == "task")


def test_the_title_counts_one_host_and_one_job_in_the_singular():
    from datetime import datetime, timedelta

    from asynclab.run.records import AsyncJob, TaskRun

    t0 = datetime(2026, 1, 1)
    result = RunResult(status="successful", started_at=t0, wall_time=2.0)
    result.tasks.append(
        TaskRun("web1", "launch", "command", "u1", status="changed", start=t0, end=t0 + timedelta(seconds=1))
    )
    result.jobs.append(AsyncJob("web1", "j1", "launch", launched=t0, end=t0 + timedelta(seconds=2), finished=True))
    title = plot_timeline(result).axes[0].get_title()
    assert "1 host, 1 async job " in title, title
