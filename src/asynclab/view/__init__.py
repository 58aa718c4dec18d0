"""What a learner sees of a run (lab side, in the notebook's kernel): the live progress
table, the per-host timeline of tasks and background jobs, the run as a trace file, the
``%%playbook`` magic that ties them to a cell, and the verdict shown after an answer's run.
"""
