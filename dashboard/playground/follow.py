"""What a detail below the live view hands the live loop to follow the network while it plays.

``panels.details`` returns it and ``panels.play_on`` calls it after each frame; a detail's chart costs more
than a frame, so it redraws at most once every FOLLOW_SECONDS (the warped plane, the loss landscape).
"""

from __future__ import annotations

import time

FOLLOW_SECONDS = 1.0


def every(seconds: float, draw):
    """``draw``, for the live loop to call each frame, redrawing at most once every ``seconds``."""
    last = [time.perf_counter()]

    def follow() -> None:
        if time.perf_counter() - last[0] >= seconds:
            draw()
            last[0] = time.perf_counter()
    return follow
