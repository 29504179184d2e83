"""``python -m crossmap``: the same command line as the ``crossmap`` script."""

from crossmap.cli import main

if __name__ == "__main__":
    main(prog_name="crossmap")
