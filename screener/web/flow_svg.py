"""Draw the flow diagram (screener.authoring) with Graphviz, as SVG.

Labels come from questions.yaml, so each is passed as plain text (never an HTML-like
label) and Graphviz escapes it in the SVG; the staff page shows the result as an <img>.
"""

from __future__ import annotations

import textwrap

import graphviz

from ..authoring import FlowDiagram

_NODE_STYLE = {
    "start": {"shape": "oval"},
    "page": {"shape": "box", "style": "rounded"},
    "support": {"shape": "octagon", "color": "#b10e1e", "penwidth": "3"},
    "check": {"shape": "box", "style": "rounded,bold"},
    "rung": {"shape": "diamond"},
    "outcome": {"shape": "box", "style": "bold"},
}
_EDGE_STYLE = {
    "interrupt": {"style": "dashed", "color": "#b10e1e", "fontcolor": "#b10e1e"},
    "otherwise": {"style": "solid"},
}


def digraph(diagram: FlowDiagram) -> graphviz.Digraph:
    dot = graphviz.Digraph("flow", graph_attr={"rankdir": "TB", "fontname": "Helvetica"})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="10")
    in_cluster = {node_id for cluster in diagram.clusters for node_id in cluster.nodes}
    by_id = {node.id: node for node in diagram.nodes}
    for cluster in diagram.clusters:
        with dot.subgraph(name=f"cluster_{cluster.id}") as sub:
            sub.attr(label=_label(cluster.lines), style="rounded", color="#5f6b7a")
            for node_id in cluster.nodes:
                _node(sub, by_id[node_id])
    for node in diagram.nodes:
        if node.id not in in_cluster:
            _node(dot, node)
    for edge in diagram.edges:
        dot.edge(
            edge.source, edge.target, label=_label((edge.label,)), **_EDGE_STYLE.get(edge.kind, {})
        )
    return dot


def svg(diagram: FlowDiagram) -> str:
    return digraph(diagram).pipe(format="svg", encoding="utf-8")


def _node(graph, node) -> None:
    style = dict(_NODE_STYLE[node.kind])
    if node.conditional:
        style["style"] = "rounded,dashed"
    graph.node(node.id, _label(node.lines), **style)


def _label(lines) -> str:
    """Plain-text label: backslashes kept literal, lines joined with DOT's newline."""
    wrapped = [part for line in lines if line for part in textwrap.wrap(line, 48)]
    text = "\\n".join(part.replace("\\", "\\\\") for part in wrapped)
    return graphviz.nohtml(text)
