"""The lab's own commands on the targets: how each host is reached, and what a host that
does not answer gives back. How the logins are read from the inventory, as Ansible reads it,
is tested in the lab image: tests/by_image/lab/units/grading/test_ssh_scripts.py."""

from asynclab.grading.ssh_scripts import Login, Reply


def test_a_login_is_one_batch_ssh_command_that_reads_its_script_from_stdin(tmp_path):
    argv = Login("web1", "10.0.0.5", "root", port=2222, key="/keys/id").command(tmp_path)
    assert argv[0] == "ssh" and argv[-2:] == ["root@10.0.0.5", "sh -s"]
    options = {argv[i + 1] for i, word in enumerate(argv) if word == "-o"}
    assert "BatchMode=yes" in options  # never a password prompt in a grading cell
    assert f"ControlPath={tmp_path}/lab-%C" in options and "ControlPersist=60s" in options
    assert argv[argv.index("-p") + 1] == "2222" and argv[argv.index("-i") + 1] == "/keys/id"


def test_a_login_without_port_or_key_leaves_them_to_ssh(tmp_path):
    argv = Login("web1", "web1", "root").command(tmp_path)
    assert "-p" not in argv and "-i" not in argv


def test_only_ssh_s_own_code_255_means_the_host_did_not_answer():
    assert Reply("web1", 255, "").unreachable
    assert not Reply("web1", 64, "", "lab-reset: 'x' is not NAME=SECONDS:FAIL:HANG").unreachable
