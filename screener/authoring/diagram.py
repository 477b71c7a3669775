"""The questionnaire's flow as a graph: sections and pages in order, conditions, interrupt
points and the outcome ladder. Pure data; `mermaid()` writes it as Mermaid text, and the
web layer draws it with Graphviz.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..questionnaire import Questionnaire, in_words
from ..questionnaire.definition import Condition

START, SUPPORT, CHECK = "start", "support", "check_answers"


@dataclass(frozen=True)
class Node:
    id: str
    #: lines of text; the first is the heading
    lines: tuple[str, ...]
    #: start, page, support, check, rung (an outcome's test) or outcome
    kind: str
    conditional: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    #: next, interrupt, yes, otherwise
    kind: str = "next"


@dataclass(frozen=True)
class Cluster:
    id: str
    lines: tuple[str, ...]
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class FlowDiagram:
    title: str
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...] = field(default=())


def flow_diagram(q: Questionnaire) -> FlowDiagram:
    """The whole flow of `q`, in the order a client meets it."""
    nodes = [Node(START, ("Start",), "start")]
    clusters, edges = [], []
    previous = START
    for section in q.sections:
        ids = []
        for i, page in enumerate(section.pages):
            node = _page_node(q, page)
            nodes.append(node)
            ids.append(node.id)
            cond = _entry_condition(section.show_if if i == 0 else None, page.show_if)
            edges.append(Edge(previous, node.id, f"if {in_words(cond, q)}" if cond else ""))
            previous = node.id
        heading = f"Section: {section.title} ({section.id})"
        badge = (f"only if {in_words(section.show_if, q)}",) if section.show_if else ()
        clusters.append(Cluster(f"section_{section.id}", (heading, *badge), tuple(ids)))
    nodes.append(Node(SUPPORT, ("Support page", "crisis resources, then on"), "support"))
    edges += _interrupt_edges(q)
    nodes.append(Node(CHECK, ("Check your answers",), "check"))
    edges.append(Edge(previous, CHECK))
    ladder_nodes, ladder_edges = _ladder(q)
    return FlowDiagram(
        q.meta.title, tuple(clusters), tuple(nodes + ladder_nodes), tuple(edges + ladder_edges)
    )


def page_node_id(page_id: str) -> str:
    return f"page_{page_id}"


def _page_node(q: Questionnaire, page) -> Node:
    lines = [page.id, page.title or q.section(page.section_id).title]
    if page.show_if:
        lines.append(f"shown if {in_words(page.show_if, q)}")
    return Node(page_node_id(page.id), tuple(lines), "page", page.show_if is not None)


def _entry_condition(section_if: Condition | None, page_if: Condition | None):
    """What must hold to enter a page: its section's condition and its own."""
    conds = tuple(c for c in (section_if, page_if) if c is not None)
    if len(conds) == 2:
        return Condition("all", children=conds)
    return conds[0] if conds else None


def _interrupt_edges(q: Questionnaire) -> list[Edge]:
    """From each page whose answers can raise an interrupt flag to the support page."""
    edges = []
    for flag in q.flags:
        if not flag.interrupt:
            continue
        for page_id in pages_raising(q, flag.when):
            edges.append(Edge(page_node_id(page_id), SUPPORT, f"raises {flag.id}", "interrupt"))
    return edges


def pages_raising(q: Questionnaire, cond: Condition, seen=None) -> list[str]:
    """The pages whose questions a condition reads, through scores and flags, in order."""
    seen = set() if seen is None else seen
    questions: list[str] = []
    for leaf in cond.leaves():
        if leaf.kind == "q":
            questions.append(leaf.ref)
        elif leaf.kind == "score" and q.score(leaf.ref):
            questions += list(q.score(leaf.ref).items)
        elif leaf.kind == "flag" and leaf.ref not in seen and q.flag(leaf.ref):
            seen.add(leaf.ref)
            questions += [
                question.id
                for page_id in pages_raising(q, q.flag(leaf.ref).when, seen)
                for question in q.pages[page_id].questions
            ]
    found = {q.questions[qid].page_id for qid in questions if qid in q.questions}
    return [page.id for page in q.page_list if page.id in found]


def _ladder(q: Questionnaire) -> tuple[list[Node], list[Edge]]:
    """Outcomes in order: each rung tests its `when`; yes → the outcome, no → the next."""
    nodes, edges = [], []
    previous, label = CHECK, ""
    for n, outcome in enumerate(q.outcomes, 1):
        box = Node(f"outcome_{outcome.id}", (f"{n}. {outcome.id}", outcome.title), "outcome")
        if outcome.when is None:
            edges.append(Edge(previous, box.id, label or "otherwise", "otherwise"))
            nodes.append(box)
            break
        rung = Node(f"rung_{outcome.id}", (f"{n}. if {in_words(outcome.when, q)}?",), "rung")
        edges += [Edge(previous, rung.id, label, "otherwise" if label else "next")]
        edges.append(Edge(rung.id, box.id, "yes", "yes"))
        nodes += [rung, box]
        previous, label = rung.id, "no"
    return nodes, edges


def mermaid(diagram: FlowDiagram) -> str:
    """The diagram as a Mermaid flowchart, for pasting into docs."""
    lines = ["flowchart TD"]
    in_cluster = {node_id for cluster in diagram.clusters for node_id in cluster.nodes}
    by_id = {node.id: node for node in diagram.nodes}
    for cluster in diagram.clusters:
        lines.append(f'  subgraph {cluster.id}["{_mermaid_text(cluster.lines)}"]')
        lines += [f"    {_mermaid_node(by_id[node_id])}" for node_id in cluster.nodes]
        lines.append("  end")
    lines += [f"  {_mermaid_node(node)}" for node in diagram.nodes if node.id not in in_cluster]
    for edge in diagram.edges:
        arrow = "-.->" if edge.kind == "interrupt" else "-->"
        label = f"|{_mermaid_escape(edge.label)}|" if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    lines.append("  classDef support stroke:#b10e1e,stroke-width:3px")
    lines.append(f"  class {SUPPORT} support")
    return "\n".join(lines) + "\n"


_MERMAID_SHAPES = {"rung": ('{"', '"}'), "support": ('{{"', '"}}'), "start": ('(["', '"])')}


def _mermaid_node(node: Node) -> str:
    opening, closing = _MERMAID_SHAPES.get(node.kind, ('["', '"]'))
    return f"{node.id}{opening}{_mermaid_text(node.lines)}{closing}"


def _mermaid_text(lines) -> str:
    return "<br/>".join(_mermaid_escape(line) for line in lines)


def _mermaid_escape(text: str) -> str:
    """Mermaid's entity codes, so quotes, brackets and pipes in labels stay text."""
    for char, code in (
        ("&", "#amp;"),
        ('"', "#quot;"),
        ("<", "#lt;"),
        (">", "#gt;"),
        ("|", "#124;"),
    ):
        text = text.replace(char, code)
    return text
