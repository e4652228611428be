"""The UI, organised by page: a package or module per page (``playground/``, ``backprop/``,
``experiments/``, ``tutorials``, ``home``) and the few pieces two or more pages share (controls, palette,
keys, chart specs, curves, diagnostics, exports, the page skeleton).

Pages arrange; these modules build. Chart builders are pure (data in, Altair chart out, no ``st.`` calls),
so they can be tested without a server. Importing this package changes nothing in the process; what the
whole process shares is set by :func:`configure_process`, which the page skeleton calls first.
"""

import threading

_CONFIGURED = threading.Event()
_CONFIGURING = threading.Lock()


def configure_process() -> None:
    """Set what the whole process shares, once: one BLAS thread per matrix product.

    The app's matrix products are small (a 100 × 100 grid through an 8-unit layer), and the server's
    parallelism is its sessions, not one product. With OpenBLAS's default of a thread per core, a spiral
    2-8-8-1 frame took 69 ms to draw instead of 33 ms while the browser used the other core: its threads
    spin for a core that is busy (benchmarks/bench_live.py). The page skeleton (``page.setup_page``) and
    the drawing worker's ``main`` call this first; calling it again does nothing.
    """
    if _CONFIGURED.is_set():
        return
    with _CONFIGURING:
        if _CONFIGURED.is_set():
            return
        import numpy  # noqa: F401  (loads OpenBLAS: threadpoolctl limits only the libraries already loaded)
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _CONFIGURED.set()
