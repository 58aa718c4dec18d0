"""Checks of the lesson itself (lab side): every notebook executed end to end as a
learner's kernel would run it (run_notebooks), and the messages of Ansible's that its text
quotes printed by its own cells (quoted_messages).
"""
