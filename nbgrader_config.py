"""nbgrader configuration of the course (instructor side).

Layout: sources with solutions in ``solutions/<assignment>/<assignment>.ipynb``,
released student versions in ``exercises/<assignment>/`` (generated, never
edited by hand); nbgrader's own work folders (``submitted/``, ``autograded/``,
``feedback/``) and ``gradebook.db`` live at the course root and are ignored by git.
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "rnncourse"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Graded checks start a judge process and may draw a few dozen random cases:
# allow more than nbgrader's 30 s default per cell.
c.Execute.timeout = 180
c.ExecutePreprocessor.timeout = 180

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
