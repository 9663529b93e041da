"""Sphinx extension: the book's interactive figures as precomputed frames.

Listed under ``sphinx: extra_extensions`` in ``_config.yml``. When Sphinx loads it, it sets the
environment variable ``CALCLIB_STATIC_FIGURES=1`` in the build process; the kernels that execute
the chapters inherit it, so every :func:`calclib.interactive_figure` in them renders as HTML with
its frames precomputed and switched by inline JavaScript (no kernel, no network), while the same
chapter code shows live ipywidgets in JupyterLab, Binder or Colab.
"""

from __future__ import annotations

import os
from typing import Any

from calclib.widgets import STATIC_ENV_VAR


def setup(app: Any) -> dict[str, Any]:
    """Register the extension: make the kernels Sphinx starts draw static figures.

    Parameters
    ----------
    app : sphinx.application.Sphinx
        The Sphinx application.

    Returns
    -------
    dict
        The extension's metadata.

    Examples
    --------
    >>> import os
    >>> from calclib import sphinxext
    >>> before = os.environ.get("CALCLIB_STATIC_FIGURES")
    >>> sphinxext.setup(None)["parallel_read_safe"]
    True
    >>> os.environ["CALCLIB_STATIC_FIGURES"]
    '1'
    >>> if before is None:
    ...     del os.environ["CALCLIB_STATIC_FIGURES"]
    ... else:
    ...     os.environ["CALCLIB_STATIC_FIGURES"] = before
    """
    os.environ[STATIC_ENV_VAR] = "1"
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
