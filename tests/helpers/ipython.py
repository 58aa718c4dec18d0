"""A cell run in the session's IPython shell (tests/conftest.py's ipython_shell), with what
it printed, as a learner sees it under the cell."""


def run_cell(ip, text, capsys):
    """(IPython's result, stdout and stderr together) of running ``text`` as a cell."""
    result = ip.run_cell(text)
    out = capsys.readouterr()
    return result, out.out + out.err
