"""The learners' container: a preset Ansible controller, JupyterLab behind its token,
no Docker socket, no privileges."""

import json
import os
import urllib.error
import urllib.request


def test_ansible_ping_answers_from_five_hosts_with_no_flags(lab_exec):
    rc, out = lab_exec("ansible all -m ping -o")
    assert rc == 0, out
    for host in ("web1", "web2", "web3", "db1", "app1"):
        assert f'{host} | SUCCESS => {{"changed": false,"ping": "pong"}}' in out


def test_the_lessons_groups_exist(lab_exec):
    rc, out = lab_exec("ansible-inventory --list")
    assert rc == 0, out
    inv = json.loads(out)
    hosts = lambda g: sorted(  # noqa: E731
        set(inv.get(g, {}).get("hosts", [])) | {h for c in inv.get(g, {}).get("children", []) for h in hosts(c)}
    )
    assert hosts("webservers") == ["web1", "web2", "web3"]
    assert hosts("dbservers") == ["db1"] and hosts("appservers") == ["app1"]
    assert hosts("servers") == hosts("production") == ["app1", "db1", "web1", "web2", "web3"]


def test_pipelining_and_controlpersist_are_on(lab_exec):
    rc, out = lab_exec("ansible-config dump --only-changed -t all")
    assert rc == 0, out
    ssh = out.split("\nssh:\n", 1)[1]
    assert "pipelining(/etc/ansible/ansible.cfg) = True" in ssh
    assert "ControlMaster=auto -o ControlPersist=60s" in ssh


def test_the_runner_finds_the_inventory_inside_the_lab(lab_exec, clean_lab):
    script = (
        "from asynclab import run_playbook\n"
        "r = run_playbook('''\n"
        "- hosts: production\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - command: /opt/task.sh --seconds 1\n"
        "      async: 20\n"
        "      poll: 0\n"
        "      register: j\n"
        "    - async_status: {jid: '{{ j.ansible_job_id }}'}\n"
        "      register: s\n"
        "      until: s is finished\n"
        "      retries: 10\n"
        "      delay: 1\n"
        "''', progress='none')\n"
        "print(r.status, len(r.jobs), sorted(r.recap))\n"
    )
    rc, out = lab_exec(f"python3 - <<'EOF'\n{script}EOF")
    assert rc == 0, out
    assert "successful 5 ['app1', 'db1', 'web1', 'web2', 'web3']" in out


def test_no_docker_socket_and_not_privileged(lab):
    c = lab.container("lab")
    c.reload()
    assert c.attrs["HostConfig"]["Privileged"] is False
    mounts = [m.get("Source", "") + " " + m.get("Destination", "") for m in c.attrs["Mounts"]]
    assert not any("docker.sock" in m for m in mounts)
    rc, _ = c.exec_run(["test", "-e", "/var/run/docker.sock"])
    assert rc == 1
    assert c.attrs["Config"]["User"] == "jovyan"


def test_jupyterlab_is_published_on_localhost_only_and_needs_its_token(lab):
    c = lab.container("lab")
    c.reload()
    bindings = c.attrs["HostConfig"]["PortBindings"]["8888/tcp"]
    expected = os.environ.get("LAB_BIND", "127.0.0.1")
    assert [b["HostIp"] for b in bindings] == [expected]
    port = bindings[0]["HostPort"]
    token = next(e.split("=", 1)[1] for e in c.attrs["Config"]["Env"] if e.startswith("JUPYTER_TOKEN="))
    assert len(token) >= 32
    url = f"http://127.0.0.1:{port}/api/contents"
    try:
        urllib.request.urlopen(url, timeout=10)
        raise AssertionError("JupyterLab answered without a token")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403
    with urllib.request.urlopen(f"{url}?token={token}", timeout=10) as resp:
        listing = json.load(resp)
    names = {item["name"] for item in listing["content"]}
    assert {"START.md", "notebooks", "labs"} <= names


def test_five_fire_and_forget_jobs_take_about_one_jobs_time(lab_exec, clean_lab):
    # The lab's bar, with ansible-playbook in the learner's terminal: `sleep 8` launched with
    # poll: 0 on all five hosts, then waited for with async_status. The jobs overlap, so
    # the whole play takes about one job's time (wide margins: this is what is taught).
    playbook = """- hosts: all
  gather_facts: false
  tasks:
    - command: sleep 8
      async: 30
      poll: 0
      register: job
    - async_status:
        jid: "{{ job.ansible_job_id }}"
      register: st
      until: st is finished
      retries: 30
      delay: 1
"""
    rc, out = lab_exec(
        f"cd /tmp && cat > bar.yml <<'EOF'\n{playbook}EOF\n"
        "start=$(date +%s%N); ansible-playbook bar.yml; rc=$?; "
        "echo WALL $(( ($(date +%s%N) - start) / 1000000 )); exit $rc"
    )
    assert rc == 0, out
    wall = int(out.rsplit("WALL ", 1)[1].split()[0]) / 1000
    assert out.count("ok=2    changed=2    unreachable=0    failed=0") == 5
    assert 8 <= wall < 30, wall


# A page of the lab's Jupyter server, fetched from inside its container with its token.
JUPYTER_GET = (
    "import http.cookiejar, json, os, re, urllib.error, urllib.request\n"
    "t = os.environ['JUPYTER_TOKEN']\n"
    "web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))\n"
    "def get(p):\n"
    "    try:\n"
    '        r = web.open(f\'http://127.0.0.1:8888{p}{"&" if "?" in p else "?"}token={t}\', timeout=30)\n'
    "    except urllib.error.HTTPError as e:\n"
    "        return e.code, ''\n"
    "    return r.status, r.read().decode()\n"
)
# What nbgrader offers in a lab: the formgrader's page, the Assignments tab's API, the plugins
# JupyterLab's page config turns off, and whether the course's grader folder is there.
NBGRADER_TOOLS = JUPYTER_GET + (
    "s, page = get('/formgrader')\n"
    "print('formgrader', s, 'Manage Assignments' in page)\n"
    "s, body = get('/assignments?course_id=async-lab')\n"
    "print('assignments', s, json.loads(body).get('success'))\n"
    "s, lab = get('/lab')\n"
    "config = json.loads(re.search(r'id=\"jupyter-config-data\"[^>]*>(.*?)</script>', lab, re.S).group(1))\n"
    "print('disabled', sorted(config.get('disabledExtensions', [])))\n"
    "print('grader folder', os.path.exists('/home/jovyan/work/grader'))\n"
)
INSTRUCTOR_TOOLS = [
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
]


def test_a_learners_lab_has_the_assignments_tab_and_validate_but_no_instructor_tools(lab_exec):
    rc, out = lab_exec(f"python3 - <<'PY'\n{NBGRADER_TOOLS}PY")
    assert rc == 0, out
    assert "formgrader 404" in out, out
    assert "assignments 200 True" in out, out
    assert f"disabled {INSTRUCTOR_TOOLS}" in out, out
    assert "grader folder False" in out, out


def test_an_instructors_lab_has_the_formgrader_and_the_course_settings(instructor_lab):
    _, _, container = instructor_lab
    rc, out = container.exec_run(["python3", "-c", NBGRADER_TOOLS], user="jovyan")
    out = out.decode()
    assert rc == 0, out
    assert "formgrader 200 True" in out, out
    assert "assignments 200 True" in out, out
    assert "disabled []" in out, out
    assert "grader folder True" in out, out


def test_the_terminal_is_dark_where_ansibles_yellow_reads_well(lab_exec):
    script = JUPYTER_GET + (
        "s, body = get('/lab/api/settings/@jupyterlab/terminal-extension:plugin')\n"
        # overrides.json sets the defaults of the plugin's schema
        "print('terminal theme', json.loads(body)['schema']['properties']['theme'].get('default'))\n"
    )
    rc, out = lab_exec(f"python3 - <<'PY'\n{script}PY")
    assert rc == 0, out
    assert "terminal theme dark" in out, out


def test_an_unknown_role_stops_the_lab_with_a_message(lab):
    image = lab.container("lab").image.tags[0]
    container = lab.client.containers.run(
        image,
        ["true"],
        environment={"LAB_ROLE": "teacher"},
        network_mode="none",
        detach=True,
        tmpfs={"/home/jovyan/work": "uid=1000,gid=1000"},
    )
    try:
        status = container.wait(timeout=60)["StatusCode"]
        log = container.logs().decode()
    finally:
        container.remove(force=True)
    assert status == 1
    assert "LAB_ROLE is 'teacher'; it is learner or instructor." in log


def work_tree(lab, role: str) -> dict[str, str]:
    """What the lab image's entrypoint puts in a new, empty work volume for a role: path ->
    the notebook's metadata (for .ipynb) or ''."""
    script = (
        "import json, pathlib; root = pathlib.Path('/home/jovyan/work'); print(json.dumps({str(p.relative_to(root)): "
        "(json.dumps(json.loads(p.read_text()).get('metadata', {})) if p.suffix == '.ipynb' else '') "
        "for p in root.rglob('*') if p.is_file()}))"
    )
    image = lab.container("lab").image.tags[0]
    out = lab.client.containers.run(
        image,
        ["python3", "-c", script],
        environment={"LAB_ROLE": role},
        network_mode="none",
        remove=True,
        tmpfs={"/home/jovyan/work": "uid=1000,gid=1000"},
    )
    return json.loads(out.decode().strip().splitlines()[-1])


def test_a_learners_work_tree_has_each_notebook_once_and_no_course_sources(lab):
    tree = work_tree(lab, "learner")
    assert "START.md" in tree and "notebooks/00-tour.ipynb" in tree and "labs/lab2-async-tasks.md" in tree
    assert not [p for p in tree if p.startswith("notebooks/") and p.endswith(".md")]  # no jupytext twins
    assert all("jupytext" not in meta for p, meta in tree.items() if p.endswith(".ipynb"))  # nor pairing
    assert not [p for p in tree if p.startswith("grader/")]  # no solutions, hidden tests, course settings


def test_an_instructors_work_tree_has_the_course_sources(lab):
    tree = work_tree(lab, "instructor")
    assert "grader/source/async-basics/async-basics.ipynb" in tree
