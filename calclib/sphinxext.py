"""Sphinx extension: the book's interactive figures as precomputed frames.

Listed under ``sphinx: extra_extensions`` in ``_config.yml``. When Sphinx loads it, it sets the
environment variable ``CALCLIB_STATIC_FIGURES=1`` in the build process; the kernels that execute
the chapters inherit it, so every :func:`calclib.interactive_figure` in them renders as HTML with
its frames precomputed and switched by inline JavaScript (no kernel, no network), while the same
chapter code shows live ipywidgets in JupyterLab, Binder or Colab.

A figure can still reach the book as a live widget if the notebook's execution was cached
before this extension was listed (the execution cache does not know about the variable). The
book ships no widget manager, so such a figure is shown as its first frame (the ``image/png``
in its output) and the build warns, naming the page and the fix.
"""

from __future__ import annotations

import os
from typing import Any

from calclib.widgets import STATIC_ENV_VAR

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# How the text/plain of a calclib figure begins (InteractiveFigure.__repr__).
_FIGURE_TEXT = "Interactive figure drawn by "


def _prefer_image_to_widget(app: Any, config: Any) -> None:
    """Never pick a widget view for HTML: the book has no widget manager to show it."""
    if not hasattr(config, "nb_mime_priority_overrides"):  # myst-nb is not loaded
        return
    overrides = list(config.nb_mime_priority_overrides or [])
    overrides += [(builder, WIDGET_VIEW, None) for builder in ("html", "dirhtml", "singlehtml")]
    config.nb_mime_priority_overrides = overrides


def _warn_about_live_figures(app: Any, doctree: Any) -> None:
    """Warn about a figure whose output is a live widget rather than precomputed frames."""
    from docutils import nodes
    from sphinx.util import logging

    for bundle in doctree.findall(nodes.container):
        if bundle.get("nb_element") != "mime_bundle":
            continue
        mimes = {child.get("mime_type"): child for child in bundle.children}
        text = mimes.get("text/plain")
        if WIDGET_VIEW in mimes and text is not None and text.astext().startswith(_FIGURE_TEXT):
            logging.getLogger(__name__).warning(
                "calclib.sphinxext: %s holds an interactive figure executed as a live widget, "
                "so the page shows a still image; its execution was cached before %s=1 was "
                "set: delete _build (jupyter-book clean --all .) and build the book again",
                app.env.docname, STATIC_ENV_VAR, location=bundle,
            )


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
    >>> from unittest import mock
    >>> from calclib import sphinxext
    >>> before = os.environ.get("CALCLIB_STATIC_FIGURES")
    >>> sphinxext.setup(mock.Mock())["parallel_read_safe"]
    True
    >>> os.environ["CALCLIB_STATIC_FIGURES"]
    '1'
    >>> if before is None:
    ...     del os.environ["CALCLIB_STATIC_FIGURES"]
    ... else:
    ...     os.environ["CALCLIB_STATIC_FIGURES"] = before
    """
    os.environ[STATIC_ENV_VAR] = "1"
    app.connect("config-inited", _prefer_image_to_widget)
    app.connect("doctree-read", _warn_about_live_figures)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
