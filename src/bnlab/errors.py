"""User-facing errors: one readable paragraph, never a traceback."""

import logging
import sys


class BnlabError(Exception):
    """A problem the user can fix: bad config, missing data, a bad index."""


def exit_on_error(main, *args, **kwargs):
    """Run `main`; turn a BnlabError into one paragraph on stderr and exit 1."""
    try:
        return main(*args, **kwargs)
    except BnlabError as err:
        logger = logging.getLogger("bnlab")
        if logger.handlers:  # a job's log: write the error there and to stderr
            logger.error("bnlab error: %s", err)
        else:
            print(f"bnlab error: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception:
        # A bug, not bad input: keep the traceback, in the job's log too.
        if logging.getLogger("bnlab").handlers:
            logging.getLogger("bnlab").exception("unexpected error")
        raise
