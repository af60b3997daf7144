"""Autograding that a submission cannot forge (instructor side).

During ``nbgrader autograde`` no student code runs in the process that computes,
reports or records a grade. The pieces:

- :mod:`.wire`: the only format that crosses the boundary -- JSON with numeric
  arrays as base64 bytes, read without running code;
- :mod:`.runtime`: the copy of ``rnncourse`` a sandbox gets (without the reference
  implementations the assignment asks for, without the checks);
- :mod:`.sandbox`: starts the child process -- another user, no network, an empty
  working directory, the course root and the package hidden, bounded CPU time,
  memory, files, processes and wall-clock time, every process killed at the end;
- :mod:`.child`: what runs inside: the setup cells of the source notebook and the
  student's own cells, then the calls the grader asks for;
- :mod:`.grader`: the trusted side: rebuilds the notebook from the source, draws
  the hidden cases from a secret, asks the child for the student's outputs,
  compares them with the reference and writes each test cell's verdict;
- :mod:`.nbgrader_plugin`: the nbgrader preprocessors and exporter that plug the
  grader into ``nbgrader autograde`` (see ``nbgrader_config.py``);
- :mod:`.batch`: ``make autograde``: every submission present, in parallel, with a
  summary table; one submission per command for batch systems.

The threat model is in ``book/appendix-grading.md`` (for instructors).
"""
