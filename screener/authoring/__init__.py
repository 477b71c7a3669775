"""The content owner's tools, pure: the flow diagram, the diff for sign-off and the preview's
view of the engine. Imports only the questionnaire; web and cli draw and serve them.
"""

from __future__ import annotations

from .diagram import FlowDiagram, flow_diagram, mermaid
from .diff import Diff, ExampleChange, diff, diff_lines
from .structure import Change

__all__ = [
    "Change",
    "Diff",
    "ExampleChange",
    "FlowDiagram",
    "diff",
    "diff_lines",
    "flow_diagram",
    "mermaid",
]
