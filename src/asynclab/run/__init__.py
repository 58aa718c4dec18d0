"""Running a playbook (lab side): the learner's YAML read as plays, ansible-runner started
against the lab's hosts, its events folded into a RunResult as they come.

In the order a run goes through them: playbook_input (YAML to plays, with the learner's
line), reach (the way to the hosts from here), runner (ansible-runner, a private data dir,
the time limit), follow (the run in a thread, its events shown as they come), folding (an
event at a time into records), records (a task on a host, an async job), retries (a wait
that ran out, in the lesson's terms), ansible_errors (Ansible's own words when it rejects a
playbook), result (the RunResult that gathers them).

Lab side: Ansible runs here. Called on the host, run_playbook hands the playbook to the lab
container through asynclab.remote.
"""
