"""The target hosts: real init and services, the lesson's workloads, its database and the
releases.example.com stand-in."""

import os

import pytest

from asynclab import run_playbook

WORKLOADS = [
    "/opt/long_task.sh",
    "/opt/backup.sh",
    "/usr/local/bin/backup.sh",
    "/opt/scripts/backup_db.sh",
    "/opt/scripts/optimize_images.sh",
    "/opt/scripts/generate_reports.sh",
    "/opt/risky_operation.sh",
    "/opt/cleanup.sh",
    "/opt/operation.sh",
    "/opt/task.sh",
    "/opt/migrate.sh",
    "/opt/long_backup.sh",
]


def test_each_host_is_named_and_runs_systemd(lab):
    for host in ("web1", "web2", "web3", "db1", "app1"):
        rc, out = lab.exec(host, "hostname; systemctl is-system-running; python3 --version; command -v sudo")
        lines = out.split()
        assert rc == 0 and lines[0] == host and lines[1] == "running", out
        assert "Python" in out and "/usr/bin/sudo" in out


def test_the_lessons_services_restart_through_systemd(clean_lab):
    run = run_playbook(
        """
- hosts: servers
  gather_facts: false
  tasks:
    - name: Restart services
      systemd:
        name: "{{ item }}"
        state: restarted
      loop: [nginx, mysql]
""",
        progress="none",
    )
    assert run.ok, run.summary()
    for host in ("web1", "db1"):
        rc, out = clean_lab.exec(host, "systemctl is-active nginx mariadb")
        assert out.split() == ["active", "active"]


def test_every_workload_script_runs_and_leaves_its_result(clean_lab):
    for path in WORKLOADS:
        rc, out = clean_lab.exec("app1", f"LAB_SECONDS=0.2 {path}")
        assert rc == 0, (path, out)
        assert "% done" in out and "finished: result in /var/lib/lab/results/" in out
    rc, out = clean_lab.exec("app1", "ls /var/lib/lab/results")
    names = set(out.split())
    assert {"long_task.done", "backup.done", "backup_db.done", "optimize_images.done", "migrate.done"} <= names


def test_workloads_can_fail_and_take_their_settings_from_files(clean_lab):
    rc, out = clean_lab.exec("web1", "/opt/risky_operation.sh --seconds 0.2 --fail 5")
    assert rc == 5 and "FAILED" in out
    clean_lab.configure_workload("cleanup", hosts=["web1"], seconds=0.3, fail=7)
    rc, out = clean_lab.exec("web1", "/opt/cleanup.sh")
    assert rc == 7 and "for 0.3s" in out
    rc, out = clean_lab.exec("web1", "LAB_SECONDS=x /opt/task.sh")
    assert rc == 64 and "must be a number" in out


def test_db1_has_production_db_and_the_migration_adds_a_version(clean_lab):
    run = run_playbook(
        """
- hosts: dbservers
  become: yes
  tasks:
    - name: Run migration
      command: /opt/migrations/run_migration.sh
      environment: {LAB_SECONDS: "1"}
      async: 60
      poll: 0
      register: migration_job
    - name: Monitor migration
      async_status:
        jid: "{{ migration_job.ansible_job_id }}"
      register: migration_status
      until: migration_status is finished
      retries: 20
      delay: 1
    - name: Verify migration
      postgresql_query:
        db: production_db
        query: "SELECT version FROM schema_migrations ORDER BY applied_at DESC LIMIT 1"
      become_user: postgres
      register: current_version
""",
        progress="none",
    )
    assert run.ok, run.summary()
    (verify,) = run.task("Verify migration", "db1")
    assert verify.res["query_result"] == [{"version": 4}]
    # Postgres runs on db1 only.
    rc, out = clean_lab.exec("web1", "systemctl is-active postgresql@15-main")
    assert out.strip() == "inactive"


LESSON_DOWNLOAD = """
- name: Parallel execution across hosts
  hosts: webservers
  strategy: free
  tasks:
    - name: Download large file on all servers simultaneously
      get_url:
        url: https://releases.example.com/app-v2.tar.gz
        dest: /tmp/app-v2.tar.gz
      async: 600
      poll: 10
    - name: Extract archive
      unarchive:
        src: /tmp/app-v2.tar.gz
        dest: /opt/app
        remote_src: yes
      async: 300
      poll: 5
"""


def test_the_lessons_download_reaches_the_stand_in_and_unarchive_refuses_async(clean_lab):
    # The lesson's snippet, unchanged: the download works over HTTPS inside the lab network;
    # unarchive is an action that does not support async, as Ansible says.
    run = run_playbook(LESSON_DOWNLOAD, progress="none")
    for host in ("web1", "web2", "web3"):
        (download,) = run.task("Download large file on all servers simultaneously", host)
        assert download.status == "changed", download.res
        (extract,) = run.task("Extract archive", host)
        assert extract.status == "failed"
        assert extract.res["msg"] == "This action (unarchive) does not support async."
    # The fix: unarchive without async.
    fixed = LESSON_DOWNLOAD.replace("      async: 300\n      poll: 5\n", "")
    run = run_playbook(fixed, progress="none")
    assert run.ok, run.summary()
    rc, out = clean_lab.exec("web2", "cat /opt/app/app-v2/VERSION")
    assert rc == 0 and out.strip() == "2.0.0"


APT_TASKS = """
- hosts: web1
  gather_facts: false
  tasks:
    - name: Refresh and upgrade
      apt:
        update_cache: yes
        upgrade: dist
    - name: The lesson's package
      apt:
        name: nginx
        state: present
"""


def test_the_suites_targets_take_their_packages_from_the_stand_in_not_debians_mirror(clean_lab):
    if not os.environ.get("LAB_APT_MIRROR"):
        pytest.skip("this stack's targets use Debian's mirror (LAB_APT_MIRROR is not set)")
    rc, sources = clean_lab.exec("web1", "cat /etc/apt/sources.list /etc/apt/sources.list.d/*")
    assert rc == 0 and "releases.example.com/debian" in sources and "deb.debian.org" not in sources, sources
    # The lessons' apt tasks, as they run in lesson 02, 04, 06 and notebook 07: a refresh from
    # the stand-in, nothing to upgrade or remove, and the package a lesson installs is there.
    rc, before = clean_lab.exec("web1", "dpkg-query -W -f '${Package} ${Version}\\n' | sort")
    run = run_playbook(APT_TASKS, progress="none")
    assert run.ok, run.summary()
    (upgrade,) = run.task("Refresh and upgrade", "web1")
    assert "0 upgraded, 0 newly installed, 0 to remove" in upgrade.res.get("stdout", ""), upgrade.res
    (install,) = run.task("The lesson's package", "web1")
    assert install.status == "ok", install.res
    rc, after = clean_lab.exec("web1", "dpkg-query -W -f '${Package} ${Version}\\n' | sort")
    assert rc == 0 and after == before  # not one package changed


def test_reset_clears_jobs_results_and_migrations(lab):
    lab.exec("web1", "nohup /opt/long_task.sh --hang >/dev/null 2>&1 & LAB_SECONDS=0 /opt/backup.sh")
    psql = "runuser -u postgres -- psql -d production_db"
    lab.exec("db1", f"{psql} -c 'INSERT INTO schema_migrations(version) VALUES (99)'")
    lab.reset()
    assert lab.exec("web1", "ls /var/lib/lab/results | wc -l")[1].strip() == "0"
    assert lab.exec("web1", "pgrep -f long_task.sh")[0] == 1
    rc, out = lab.exec("db1", f"{psql} -tA -c 'SELECT max(version) FROM schema_migrations'")
    assert out.strip() == "3"
