"""Every st.session_state key of every page, in one place, named ``<page>.<what>``.

The pages, the panels and the tests all use these names; none writes a key as a plain string (a test
checks). A key built from one of these (``f"{EXP}.rows"``, a prefix + a widget's name) counts as named.
On the Playground, a setting's widget key is ``playground.cfg.<setting>`` (the config table's name), so a
test or a callback can reach any control by the name the URL and CLI use.
"""

from __future__ import annotations

PREFIX = "playground"
HOW_TO_READ = "page.how_to_read"  # every page's "How to read this" popover is open (dashboard.page.setup_page)


def section(group: str) -> str:
    """The sidebar section holding the settings of ``group`` ("data", ...) that are not on the first screen
    is open."""
    return f"{PREFIX}.section.{group}"


def widget(name: str) -> str:
    """The widget key of config setting ``name`` (e.g. "lr" → "playground.cfg.lr")."""
    return f"{PREFIX}.cfg.{name}"


CONFIG = f"{PREFIX}.config"  # the last config, so coming back from another page restores it
RUN = f"{PREFIX}.run"  # the nn_core.runs.Run being shown
RUN_KEY = f"{PREFIX}.run_key"  # (the settings that shape the network and data, data token) the run was built from
SERIAL = f"{PREFIX}.serial"  # bumps whenever the run object is replaced
PLAYING = f"{PREFIX}.playing"  # True while Play is on
GOAL = f"{PREFIX}.goal"  # epoch at which Play pauses by itself (None: until paused)
SPEED = f"{PREFIX}.speed"  # epochs per frame, a label of runtime.SPEEDS
REPLAY = f"{PREFIX}.replay"  # the replay slider: an epoch of a snapshot, or None for now
LOCK = f"{PREFIX}.lock"  # guards the run: a superseded script run may still be finishing a frame
RUNNER = f"{PREFIX}.runner"  # token of the script run that owns the live loop
PACE = f"{PREFIX}.pace"  # measured seconds per optimizer step of this run, for sizing a frame's slice
DRAW_PACE = f"{PREFIX}.draw_pace"  # seconds to draw and send one frame (an EMA): what training leaves
URL_WARNINGS = f"{PREFIX}.url_warnings"
LINK_CHANGES = f"{PREFIX}.link_changes"  # the sentence naming the settings the opened link changed, until the learner acts
FRESH = f"{PREFIX}.fresh"  # set on a session's first run, whose widgets the browser enables only once it ends
NOTES = f"{PREFIX}.notes"  # sentences from the last automatic adjustment, shown once
NOTICE = f"{PREFIX}.notice"  # what the last change did to the run, shown until the next change
UPLOAD = f"{PREFIX}.csv"  # (file name, bytes) of the last upload; kept across page switches
UPLOADER = f"{PREFIX}.csv_upload"  # the file-uploader widget itself
DATA_PICKER = f"{PREFIX}.data_picker"  # the data-set thumbnails chart, + "." + the dataset it was drawn for
REGENERATE = f"{PREFIX}.regenerate"  # the Regenerate button: a new data seed
DRAWN = f"{PREFIX}.drawn"  # [(x1, x2, label or target)]: the points drawn by hand, kept across page switches
DRAW_CHART = f"{PREFIX}.draw.chart"  # the drawing plane, + "." + the click count (a fresh chart per click)
DRAW_CLICKS = f"{PREFIX}.draw.clicks"
DRAW_MODE = f"{PREFIX}.draw.mode"  # "add" or "remove"
DRAW_CLASS = f"{PREFIX}.draw.class"  # the class of the next point
DRAW_TARGET = f"{PREFIX}.draw.target"  # the target of the next point, when drawing a regression
DRAW_REGRESSION = f"{PREFIX}.draw.regression"
DRAW_FROM_DATA = f"{PREFIX}.draw.from_data"
DRAW_CLEAR = f"{PREFIX}.draw.clear"
DRAW_USE = f"{PREFIX}.draw.use"
DRAW_OPEN = f"{PREFIX}.draw.open"  # the "Draw your own data" expander is open
DRAW_HANDED = f"{PREFIX}.draw.handed"  # set when the points became the run's data: the whole page reruns
NUMBERS = f"{PREFIX}.numbers"  # (run, when, values, seconds taken): a big playing run's numbers, refreshed each second
SPECS = f"{PREFIX}.specs"  # (chart, structure) -> Vega-Lite spec, built once per run structure
BUFFERS = f"{PREFIX}.buffers"  # chart -> (its spec, live_charts.ImageBuffers): what the browser holds
LIVE_VIEW = f"{PREFIX}.live"  # the live view's fragment: Play, Step and the view's settings rerun only it
LIVE_PICTURE = f"{PREFIX}.live.picture"  # the live picture's container, which dashboard.page sizes to the window
PLAY_BUTTON = f"{PREFIX}.play"
PAUSE_BUTTON = f"{PREFIX}.pause"
VIEW_LOG = f"{PREFIX}.view.log"
VIEW_DISCRETIZE = f"{PREFIX}.view.discretize"
VIEW_TEST = f"{PREFIX}.view.test"
VIEW_OPEN = f"{PREFIX}.view.open"  # the "Inspect and display" popover is open
VIEW_INSPECT = f"{PREFIX}.view.inspect"  # paused: the interactive chart rather than the picture
GRAPH_CHART = f"{PREFIX}.graph.chart"  # the inspected live chart (its clicks), + "." + the click count
GRAPH_CLICKS = f"{PREFIX}.graph.clicks"
GRAPH_EDIT = f"{PREFIX}.graph.edit"  # (layer, row or weight_editor.BIAS, col) clicked on the graph, to type
GRAPH_VALUE = f"{PREFIX}.graph.value."  # prefix of that value box's key (weight_editor.value_key)
GRAPH_CLOSE = f"{PREFIX}.graph.close"
PLANE_DRAW = f"{PREFIX}.plane.draw"  # drawing on the inspected boundary panel: "off", "class k", "add" or "remove"
PLANE_TARGET = f"{PREFIX}.plane.target"  # the target of a point drawn there, for regression
POINTS = f"{PREFIX}.points"  # (the drawn CSV handed to the run, its points, regression?): the link's points=
MORE = f"{PREFIX}.more"  # which detail panel is open below the live view
LINK = f"{PREFIX}.link"  # nn_core.teaching.lessons.Link: the lesson and hide= of the link the session opened


def share(name: str) -> str:
    """The "share as a lesson" checkbox that hides ``name`` (a setting, or "text")."""
    return f"{PREFIX}.share.{name}"


LEAVE_LESSON = f"{PREFIX}.lesson.leave"  # the open lesson's "Leave the lesson" button


def start_lesson(lesson_id: str) -> str:
    """The Start button of built-in lesson ``lesson_id``."""
    return f"{PREFIX}.lesson.start.{lesson_id}"
LOOK_INSIDE = f"{PREFIX}.view.inside"  # "boundary", or "layer.unit" of the hidden unit shown in its place
LOOK_INSIDE_KEPT = f"{PREFIX}.view.inside.kept"  # the same choice in a plain key, for when the widget's state is dropped
EDIT = f"{PREFIX}.edit."  # prefix of the weight editor's widgets (dashboard.weight_editor)
WARP = f"{PREFIX}.warp."  # prefix of the warped plane's choices: layer, unit_a, unit_b
LANDSCAPE_DIRECTIONS = f"{PREFIX}.landscape.directions"  # the loss landscape's directions: "pca" or "random"
LANDSCAPE_SLICE = f"{PREFIX}.landscape.slice"  # the last slice computed (playground.loss_landscape.Held)
DIAGNOSTICS = f"{PREFIX}.diagnostics"  # prefix of the "Gradient flow" detail's widgets (dashboard.diagnostics)
EXPORT = f"{PREFIX}.export"  # prefix of the "Export" detail's download buttons (dashboard.exports)

# ---------------------------------------------------------------- the Backprop page
BACKPROP = "backprop"
BACKPROP_LESSON = f"{BACKPROP}.lesson"  # the nn_core.teaching.backprop_lesson.BackpropLesson being stepped through
BACKPROP_SETTINGS = f"{BACKPROP}.settings"  # the settings that lesson was built from
BACKPROP_STAGE = f"{BACKPROP}.stage"  # the key of the stage on screen ("Z1", "dW2", ...)
BACKPROP_LAST_EDIT = f"{BACKPROP}.last_edit"  # the last weight edit, to show how the loss moved
BACKPROP_EDITOR = f"{BACKPROP}.edit."  # prefix of the weight editor's widgets (dashboard.weight_editor)
BACKPROP_SOURCE = f"{BACKPROP}.source"  # which network: seed 002's or the Playground's
BACKPROP_ACTIVATION = f"{BACKPROP}.activation"
BACKPROP_OUTPUT = f"{BACKPROP}.output"
BACKPROP_LR = f"{BACKPROP}.lr"
BACKPROP_STEP1 = f"{BACKPROP}.step1"
BACKPROP_STEP100 = f"{BACKPROP}.step100"
BACKPROP_BACK = f"{BACKPROP}.back"
BACKPROP_NEXT = f"{BACKPROP}.next"
BACKPROP_BREAKAGE = f"{BACKPROP}.breakage"  # the gradient check's broken backward pass, or none
BACKPROP_RUN_CHECK = f"{BACKPROP}.run_check"  # the button that runs the check on a large network
BACKPROP_SCENARIO = f"{BACKPROP}.scenario"  # the failure scenario shown
BACKPROP_TAB = f"{BACKPROP}.tab"  # the open tab: one training step, the gradient check, what goes wrong
BACKPROP_CODE = f"{BACKPROP}.code"  # the "The code" expander is open
BACKPROP_DOWNHILL = f"{BACKPROP}.downhill"  # the "A step goes downhill" expander is open
BACKPROP_PLANES = f"{BACKPROP}.downhill.planes"  # dashboard.backprop.downhill.Planes: the slice shown, and the next

# ---------------------------------------------------------------- the Tutorials page
TUTORIALS = "tutorials"
TUTORIALS_INIT_SCALE = f"{TUTORIALS}.init_scale"  # seed 002's plateau: the variant's init scale
TUTORIALS_SEED = f"{TUTORIALS}.seed"  # and its seed
TUTORIALS_TAB = f"{TUTORIALS}.tab"  # the open tab: one seed tutorial


def tutorial_code(name: str) -> str:
    """The expander holding preset ``name``'s listing is open."""
    return f"{TUTORIALS}.code.{name}"


def tutorial_download(name: str) -> str:
    """The download button of preset ``name``'s NumPy script."""
    return f"{TUTORIALS}.download.{name}"


# ---------------------------------------------------------------- the Experiments page
EXP = "exp"  # prefix of every key of the Experiments page: exp.rows, exp.shared.<setting>, exp.run.<...>
EXP_TABLE = f"{EXP}.table"  # the run table's section is open
EXP_EDITED = f"{EXP}.edited"  # the run table's rows after the editor's edits, kept while the table is closed
EXP_RESULTS = f"{EXP}.results"  # the open tab of the results under the loss chart (Summary, Gradient flow, …)
