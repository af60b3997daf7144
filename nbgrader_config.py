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

# Autograding runs student code in a sandbox, never in nbgrader's process (rnncourse.grading):
# nbgrader's Execute step is replaced by IsolatedExecute; bounds per submission below.
from rnncourse.grading.nbgrader_plugin import configure  # noqa: E402

configure(c, timeout=float(os.environ.get("RNNCOURSE_GRADING_TIMEOUT", 60)),
          memory=int(float(os.environ.get("RNNCOURSE_GRADING_MEMORY_GB", 2)) * 2**30))
# nbgrader's own executor is still used by `nbgrader generate_assignment` validation, if ever asked
c.Execute.timeout = 180

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
