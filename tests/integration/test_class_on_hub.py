"""A class on the real hub, end to end: the hub image built from this repository, run on this
machine's Docker engine with the real DockerSpawner, and two learners and an instructor who
log in through the hub's login form, spawn their servers through its REST API, and work in
them through their servers' REST APIs and kernels, with nbgrader's own commands and the
Assignments tab's own endpoints.

The tests run in file order on one worker, each a step of the class's loop (the hub and its
people are one module fixture): accounts, logins and servers; release, fetch, work, validate
and submit; what one learner can do to another's work; collect with a forgery refused,
autograde, feedback back to the learner; faults; stopping.
"""

from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import docker
import pytest

from asynclab import settings
from asynclab.stack.waiting import wait_until
from tests.helpers.browsing import SHOTS, chromium_browser
from tests.helpers.hub import ADMIN_PASSWORD, HUB_DIR, HubStack, Person, SpawnFailed
from tests.helpers.paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]

COURSE, ASSIGNMENT = "async-lab", "async-basics"
HOSTS = ("web1", "web2", "web3", "db1", "app1", "releases")
EXCHANGE = "/srv/nbgrader/exchange/async-lab"
FETCHED = f"{COURSE}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"  # under ~/work: Exchange.path_includes_course


@pytest.fixture(scope="module")
def hub():
    stack = HubStack(prefix=f"hubtest{uuid.uuid4().hex[:6]}")
    stack.build()
    try:
        stack.start()
        yield stack
    finally:
        logs = stack.logs()
        stack.remove()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "hub.log").write_text(logs)


@pytest.fixture(scope="module")
def accounts(hub):
    return hub.class_list(["ann", "bob", "Carla M"])


@pytest.fixture(scope="module")
def people(hub, accounts):
    """The instructor and the two learners, logged in; their servers started at once."""
    logged = {
        "teacher": Person(hub, "teacher", ADMIN_PASSWORD),
        "ann": Person(hub, "ann", accounts["ann"][1]),
        "bob": Person(hub, "bob", accounts["bob"][1]),
    }
    return logged


@pytest.fixture(scope="module")
def second_spawn(people):
    """Three spawns at once, and a second spawn of ann while hers is under way."""
    first = {name: person.spawn() for name, person in people.items()}
    again = people["ann"].spawn()
    with ThreadPoolExecutor(3) as pool:
        progress = dict(zip(people, pool.map(lambda p: p.follow_spawn(), people.values()), strict=True))
    return first, again, progress


def released_solution(name: str) -> str:
    """The source notebook's answer of an exercise, as a learner would type it."""
    source = json.loads((ROOT / "grader" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == f"{name}_answer")
    lines = "".join(cell["source"]).splitlines()
    return "\n".join(line for line in lines if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def unix_identity(person: Person) -> tuple[int, str, list[int]]:
    out = person.run("import os, pwd\nprint(os.getuid(), pwd.getpwuid(os.getuid()).pw_name, sorted(os.getgroups()))")
    uid, name, groups = out.strip().split(" ", 2)
    return int(uid), name, json.loads(groups)


# ---- accounts, logins, servers -----------------------------------------------------------------


def test_the_class_list_makes_an_account_per_learner_and_refuses_a_name_that_cannot_be_a_unix_user(hub, accounts):
    assert accounts["ann"][0] == "made" and len(accounts["ann"][1]) >= 12
    assert accounts["bob"][0] == "made" and accounts["bob"][1] != accounts["ann"][1]
    assert accounts["carla m"] == ("refused", "")
    again = hub.class_list(["ann"])
    assert again["ann"] == ("exists", "")  # run again, nothing changes and no new password


def test_each_person_logs_in_with_their_own_password_only(hub, accounts):
    with pytest.raises(PermissionError):
        Person(hub, "bob", accounts["ann"][1])
    with pytest.raises(PermissionError):
        Person(hub, "ann", "not-the-password")
    config = (HUB_DIR / "jupyterhub_config.py").read_text()
    assert 'AUTH = setting("ASYNCLAB_HUB_AUTH")' in config  # the shared password only on request
    assert settings.HUB_AUTH.default == "native"


def test_a_sign_up_under_a_name_that_cannot_be_a_unix_user_says_why(hub):
    import requests

    session = requests.Session()
    session.get(f"{hub.url}/hub/signup", timeout=30)
    page = session.post(
        f"{hub.url}/hub/signup",
        data={
            "username": "Dora.Smith",
            "signup_password": "a-long-enough-password",
            "signup_password_confirmation": "a-long-enough-password",
            "_xsrf": session.cookies.get("_xsrf", ""),
        },
        timeout=30,
    )
    assert "cannot be used" in page.text and "Unix user name" in page.text


def test_servers_spawn_at_once_and_a_second_spawn_of_the_same_learner_joins_the_first(hub, people, second_spawn):
    first, again, progress = second_spawn
    assert all(answer.status_code in (201, 202) for answer in first.values()), first
    assert again.status_code == 202  # "pending": the spawn under way, not a second one
    servers = [c.name for c in docker.from_env().containers.list(all=True) if c.name.startswith(f"{hub.prefix}-ann")]
    assert sorted(servers) == sorted([f"{hub.prefix}-ann"] + [f"{hub.prefix}-ann-{h}" for h in HOSTS])
    assert all(person.ready() for person in people.values())
    assert all(events[-1].get("ready") for events in progress.values())


def test_each_person_has_their_own_five_targets(hub, people, second_spawn):
    client = docker.from_env()
    for name in people:
        labels = [f"org.asynclab.hub.learner={name}", f"org.asynclab.hub.prefix={hub.prefix}"]
        parts = client.containers.list(filters={"label": labels})
        assert sorted(c.labels["org.asynclab.hub.part"] for c in parts) == sorted(HOSTS)
        assert all(c.attrs["State"]["Health"]["Status"] == "healthy" for c in parts)
    out = people["ann"].run(
        "import subprocess\nprint(subprocess.run(['ansible', 'all', '-m', 'ping', '-o'],"
        " capture_output=True, text=True).stdout)"
    )
    assert out.count("SUCCESS") == 5, out


def test_each_person_runs_as_a_unix_user_of_their_own_with_no_privileges(hub, people, second_spawn):
    identities = {name: unix_identity(person) for name, person in people.items()}
    uids = {uid for uid, _, _ in identities.values()}
    assert len(uids) == 3 and not uids & {0, 1000}
    assert {name: who for name, (_, who, _) in identities.items()} == {n: n for n in people}
    instructors_gid = 19000
    assert instructors_gid in identities["teacher"][2]
    assert instructors_gid not in identities["ann"][2] and instructors_gid not in identities["bob"][2]
    client = docker.from_env()
    for name, (uid, _, _) in identities.items():
        server = client.containers.get(f"{hub.prefix}-{name}")
        host = server.attrs["HostConfig"]
        assert server.attrs["Config"]["User"].split(":")[0] == str(uid)
        assert host["Privileged"] is False and not host["CapAdd"] and "no-new-privileges:true" in host["SecurityOpt"]
        assert not [m for m in server.attrs["Mounts"] if "docker.sock" in m.get("Source", "")]
    # The same person keeps their uid: it comes from the hub's database.
    assert unix_identity(people["ann"])[0] == identities["ann"][0]


def test_in_a_browser_a_wrong_password_is_said_and_the_right_one_opens_her_own_lab(hub, accounts, second_spawn):
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", "ann")
        page.fill("#password_input", "not-her-password")
        page.click("#login_submit")
        page.wait_for_selector("text=Invalid username or password", timeout=30_000)
        page.fill("#username_input", "ann")
        page.fill("#password_input", accounts["ann"][1])
        page.click("#login_submit")
        page.wait_for_url(re.compile(r"/user/ann/lab"), timeout=180_000)
        # Her lab opens on START.md, rendered, as a single lab does.
        page.wait_for_selector(".jp-RenderedMarkdown >> text=Start here", timeout=180_000)
        # Her own work folder beside it: the course copied into her home.
        page.wait_for_selector(".jp-DirListing-item >> text=notebooks", timeout=60_000)
        page.screenshot(path=str(SHOTS / "hub-ann-lab.png"))


# ---- the loop: release, fetch, work, validate, submit -----------------------------------------


def test_the_instructor_releases_the_assignment(people, second_spawn):
    rc, out = people["teacher"].shell(
        f"nbgrader generate_assignment {ASSIGNMENT} --force && nbgrader release_assignment {ASSIGNMENT} --force",
        cwd="~/work/grader",
    )
    assert rc == 0, out
    assert "Released as: async-lab async-basics" in out


def assert_submitted(answer, student: str) -> None:
    """The Assignments tab's answer to Submit: the assignment listed as submitted by them."""
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True, body
    assert [a for a in body["value"] if a["status"] == "submitted" and a["student_id"] == student], body


def test_learner_a_fetches_answers_exercise_one_validates_and_submits(people):
    ann = people["ann"]
    fetched = ann.assignments("fetch", COURSE, ASSIGNMENT)
    assert fetched.status_code == 200, fetched.text
    notebook = ann.read(FETCHED)["content"]
    answer = next(
        c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "fire_and_forget_answer"
    )
    answer["source"] = released_solution("fire_and_forget")
    ann.write_notebook(FETCHED, notebook)
    # Validate runs every cell in her server, against her own targets.
    result = ann.validate(FETCHED)
    assert result["success"] is True, result
    failed = result["value"].get("failed", [])
    assert failed and not [cell for cell in failed if "self_check fire_and_forget" in cell["source"]], failed
    assert any("Not answered yet" in cell["raw_error"] for cell in failed)
    assert_submitted(ann.assignments("submit", COURSE, ASSIGNMENT), "ann")


def test_learner_b_submits_the_release_blank(people):
    bob = people["bob"]
    assert bob.assignments("fetch", COURSE, ASSIGNMENT).status_code == 200
    assert_submitted(bob.assignments("submit", COURSE, ASSIGNMENT), "bob")


def inbound_of(people) -> dict[str, str]:
    """The instructor's view of the inbound folder: {learner: submission folder}."""
    out = people["teacher"].run(f"import os\nprint('\\n'.join(sorted(os.listdir({EXCHANGE + '/inbound'!r}))))")
    return {name.split("+")[0]: name for name in out.splitlines() if name}


def test_learner_b_cannot_list_read_or_change_learner_a_submission(people):
    ann_submission = inbound_of(people)["ann"]
    probe = f"""
import os
inbound = {EXCHANGE + "/inbound"!r}
said = []
for what, act in [
    ("list", lambda: os.listdir(inbound)),
    ("read", lambda: open(os.path.join(inbound, {ann_submission!r}, "async-basics.ipynb")).read()),
    ("secret", lambda: open(os.path.join(inbound, {ann_submission!r}, "submission_secret.txt")).read()),
    ("change", lambda: open(os.path.join(inbound, {ann_submission!r}, "async-basics.ipynb"), "a").write("x")),
    ("add", lambda: open(os.path.join(inbound, {ann_submission!r}, "extra.txt"), "w").write("x")),
    ("rename", lambda: os.rename(os.path.join(inbound, {ann_submission!r}), os.path.join(inbound, "bob+x+y+z"))),
    ("course", lambda: os.mkdir("/srv/nbgrader/exchange/other-course")),
]:
    try:
        act()
        said.append(what + ": allowed")
    except PermissionError:
        said.append(what + ": denied")
print(";".join(said))
"""
    assert people["bob"].run(probe).strip() == (
        "list: denied;read: denied;secret: denied;change: denied;add: denied;rename: denied;course: denied"
    )


def test_a_submission_that_learner_b_makes_as_learner_a_is_refused_at_collection(people):
    rc, out = people["bob"].shell(f"nbgrader submit {ASSIGNMENT} --course {COURSE} --student ann", cwd="~/work")
    assert rc == 0, out  # nbgrader itself lets it through: collection is where it is caught
    listed = people["teacher"].run(f"import os\nprint('\\n'.join(os.listdir({EXCHANGE + '/inbound'!r})))")
    assert len([name for name in listed.splitlines() if name.startswith("ann+")]) == 2
    rc, out = people["teacher"].shell(f"nbgrader collect {ASSIGNMENT} --update", cwd="~/work/grader")
    assert rc != 0
    assert re.search(r"Refused ann\+async-basics\+.+: a forgery, made by bob \(uid \d+\), not by ann", out), out
    assert "1 submission(s) refused as forgeries" in out
    # The genuine submissions were collected: ann's own, not the forgery made after it.
    check = people["teacher"].run(
        "import json, os\n"
        "def answered(s):\n"
        "    nb = json.load(open(os.path.expanduser(f'~/work/grader/submitted/{s}/async-basics/async-basics.ipynb')))\n"
        "    cell = next(c for c in nb['cells'] if c['metadata'].get('nbgrader', {}).get('grade_id')"
        " == 'fire_and_forget_answer')\n"
        "    return 'poll: 0' in ''.join(cell['source'])\n"
        "print(json.dumps({s: answered(s) for s in ('ann', 'bob')}))\n"
    )
    assert json.loads(check.strip().splitlines()[-1]) == {"ann": True, "bob": False}


def grade_of(people, student: str, cell: str) -> tuple[float, float]:
    out = people["teacher"].run(
        "import os\nfrom nbgrader.api import Gradebook\n"
        f"with Gradebook('sqlite:///' + os.path.expanduser('~/work/grader/gradebook.db'), {COURSE!r}) as gb:\n"
        f"    g = gb.find_grade({cell!r}, {ASSIGNMENT!r}, {ASSIGNMENT!r}, {student!r})\n"
        "    print(g.score, g.max_score)\n"
    )
    score, max_score = out.split()
    return float(score), float(max_score)


def test_the_instructor_autogrades_learner_a_gets_three_of_three_and_b_none(people):
    rc, out = people["teacher"].shell(f"python -m asynclab.classroom.autograde {ASSIGNMENT}", cwd="~/work/grader")
    assert rc == 0, out
    assert grade_of(people, "ann", "fire_and_forget_check") == (3.0, 3.0)
    assert grade_of(people, "bob", "fire_and_forget_check") == (0.0, 3.0)


def score_in_feedback(html: str, cell: str) -> str | None:
    """The score nbgrader's feedback page shows for one grade cell."""
    found = re.search(rf"Grade cell: <code>{cell}</code></span>\s*<span[^>]*>\s*Score: ([\d.]+ / [\d.]+)", html)
    return found.group(1) if found else None


def test_feedback_is_generated_released_and_reaches_learner_a_with_her_points(people):
    rc, out = people["teacher"].shell(
        f"nbgrader generate_feedback {ASSIGNMENT} --force && nbgrader release_feedback {ASSIGNMENT}",
        cwd="~/work/grader",
    )
    assert rc == 0, out
    ann = people["ann"]
    assert ann.assignments("fetch_feedback", COURSE, ASSIGNMENT).status_code == 200
    folder = ann.read(f"{COURSE}/{ASSIGNMENT}/feedback")["content"]
    assert len(folder) == 1
    html = ann.read(f"{folder[0]['path']}/{ASSIGNMENT}.html")["content"]
    assert score_in_feedback(html, "fire_and_forget_check") == "3.0 / 3.0"


def test_learner_b_cannot_list_or_change_the_released_feedback_and_gets_only_his_own(people):
    bob = people["bob"]
    probe = f"""
import os
said = []
for what, act in [("list", lambda: os.listdir({EXCHANGE + "/feedback"!r})),
                  ("add", lambda: open({EXCHANGE + "/feedback/x.html"!r}, "w").write("x"))]:
    try:
        act(); said.append(what + ": allowed")
    except PermissionError:
        said.append(what + ": denied")
print(";".join(said))
"""
    assert bob.run(probe).strip() == "list: denied;add: denied"
    assert bob.assignments("fetch_feedback", COURSE, ASSIGNMENT).status_code == 200
    folder = bob.read(f"{COURSE}/{ASSIGNMENT}/feedback")["content"]
    html = bob.read(f"{folder[0]['path']}/{ASSIGNMENT}.html")["content"]
    assert score_in_feedback(html, "fire_and_forget_check") == "0.0 / 3.0"


# ---- faults ------------------------------------------------------------------------------------


def test_a_killed_server_starts_again_with_its_work(hub, people, second_spawn):
    ann = people["ann"]
    before = unix_identity(ann)[:2]
    ann.run("open('/home/jovyan/work/kept.txt', 'w').write('still here')")
    ann.run("import os\nos.makedirs(os.path.expanduser('~/work/async-lab/async-basics'), exist_ok=True)")
    docker.from_env().containers.get(f"{hub.prefix}-ann").kill()
    wait_until(lambda: not ann.ready(), 120, 1, what="the hub to notice the killed server")
    ann.kernel_id = None
    assert ann.spawn().status_code in (201, 202)
    ann.follow_spawn()
    assert ann.read("kept.txt")["content"] == "still here"
    assert unix_identity(ann)[:2] == before  # the same Unix user and uid after the restart
    assert ann.read(f"{COURSE}/{ASSIGNMENT}")["type"] == "directory"


def test_a_restarted_hub_keeps_logins_and_running_servers(hub, people, second_spawn):
    bob = people["bob"]
    before = bob.run("import os\nprint(os.getpid())").strip()
    hub.restart()
    assert bob.api("GET", "user").json()["name"] == "bob"
    wait_until(bob.ready, 120, 1, what="bob's server behind the restarted hub")
    assert bob.session.get(f"{hub.url}/hub/home", timeout=30, allow_redirects=False).status_code == 200
    assert bob.run("import os\nprint(os.getpid())").strip() == before  # the same kernel, the same server


def test_a_name_that_cannot_be_a_unix_user_is_refused_by_the_hub(people):
    made = people["teacher"].api("POST", "users", json={"usernames": ["eve.x"]})
    assert made.status_code == 400 and "eve.x" in made.json()["message"]


def test_targets_that_never_become_healthy_fail_the_spawn_with_one_line_and_leave_nothing(hub):
    hub.recreate(ASYNCLAB_HUB_TARGETS_TIMEOUT="2")  # no target boots in 2 s
    try:
        made = hub.class_list(["eve"])
        eve = Person(hub, "eve", made["eve"][1])
        assert eve.spawn().status_code in (201, 202)
        with pytest.raises(SpawnFailed) as failed:
            eve.follow_spawn()
        message = str(failed.value).strip()
        assert "did not become healthy in 2 s" in message and "\n" not in message, message
        assert not [name for name in hub.owned()["containers"] if name.startswith(f"{hub.prefix}-eve")]
    finally:
        hub.recreate()


# ---- stopping ----------------------------------------------------------------------------------


def test_stopping_the_servers_leaves_no_target_network_or_key_volume_and_keeps_the_homes(hub, people, second_spawn):
    for person in people.values():
        person.stop()
    owned = hub.owned()
    assert owned["containers"] == []
    assert owned["networks"] == []
    assert [v for v in owned["volumes"] if v.endswith(("-keys", "-trust"))] == []
    assert {f"{hub.prefix}-{name}-home" for name in people} <= set(owned["volumes"])
    assert f"{hub.prefix}-exchange" in owned["volumes"]
