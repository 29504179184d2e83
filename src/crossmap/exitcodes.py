"""The exit codes of the ``crossmap`` command line, in one place.

======  ==================  ====================================================
code    name                meaning
======  ==================  ====================================================
0       ``OK``              done: every record loaded (rollback: the destination
                            is back to its state before the run)
1       ``COULD_NOT_RUN``   nothing (more) could be done: a spec error, a
                            connection or configuration problem, a state store
                            that cannot be used
2       ``USAGE``           the command line itself is wrong (click's own code)
3       ``RECORDS_FAILED``  the run completed, but some records failed or were
                            held back (the report lists them)
4       ``NOT_RESTORED``    a rollback completed, but the destination is not
                            back to its state before the run (it says what)
5       ``NOT_VERIFIED``    verify completed (``crossmap verify``, ``run
                            --verify``), but a record is missing or extra, a
                            child points at a wrong parent, or a field does not
                            hold what the run wrote (the report says which)
130     ``INTERRUPTED``     stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells
                            report it); ``crossmap run --resume`` goes on
======  ==================  ====================================================
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
COULD_NOT_RUN: Final = 1
USAGE: Final = 2
RECORDS_FAILED: Final = 3
NOT_RESTORED: Final = 4
NOT_VERIFIED: Final = 5
INTERRUPTED: Final = 130

MEANINGS: Final[dict[int, str]] = {
    OK: "every record loaded",
    COULD_NOT_RUN: "could not run: spec, connection or configuration",
    USAGE: "the command line is wrong",
    RECORDS_FAILED: "completed, some records failed or were held back",
    NOT_RESTORED: "rollback completed, the destination is not back to its state before the run",
    NOT_VERIFIED: "verify completed, the destination does not hold what the runs wrote",
    INTERRUPTED: "interrupted",
}
"""Each code's meaning, in a few words (``crossmap --help`` shows them)."""
