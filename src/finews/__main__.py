"""``python -m finews``: the same command line as the ``finews`` program."""

from .cli import app

if __name__ == "__main__":
    app()
