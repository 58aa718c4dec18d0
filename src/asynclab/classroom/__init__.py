"""The instructor's pipeline: collect submissions, autograde them (in the lab container, or
in parallel on private host sets driven from the host), feedback and the outcome that
crosses the container boundary as JSON.

It imports nothing of asynclab.grading, the checks that run in a learner's kernel: grading
a notebook executes it, and its cells call those checks there. Which modules run where:
collect, autograde, course_commands, feedback and report in the lab container; parallel and workers on the
host; outcome on both sides."""
