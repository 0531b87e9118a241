"""Driver trees: the North Star decomposed into drivers, change attribution, what-if, briefs.

model.py (the tree as data), spec.py (which tree: TreeSpec, node edits), templates.py
(standard trees), roots.py (the adopted North Star as the root), edits.py (metrics the
user picks for nodes), tree.py (node values from events), attribution.py (who moved the
root), whatif.py (projections), brief.py (experiment brief and power), present.py
(snapshots, history and captions for display).
"""

from nsm_core.drivers.attribution import (
    METHODS,
    Attribution,
    Method,
    attribute,
    lmdi_parts,
    shapley_parts,
    split_change,
    sum_parts,
    waterfall_frame,
)
from nsm_core.drivers.baseline import Baseline, driver_baseline
from nsm_core.drivers.brief import Brief, BriefSpec, brief_markdown, experiment_brief
from nsm_core.drivers.edits import Editable, edit_captions, editable, filter_choices
from nsm_core.drivers.model import Lifecycle, Node, Remainder, find, path_to, walk
from nsm_core.drivers.present import (
    change_caption,
    default_period,
    explain,
    format_value,
    history,
    outline,
    periods,
    previous_period,
    row_values,
    segment_snapshot,
    snapshot,
    what_if_period,
)
from nsm_core.drivers.roots import RootFit, fit_north_star, north_star_spec, root_label
from nsm_core.drivers.spec import EditKind, NodeEdit, TemplateKey, TreeSpec
from nsm_core.drivers.templates import (
    NEW_VS_RETURNING,
    TEMPLATES,
    TreeTemplate,
    build_tree,
    event_noun,
    suggest_spec,
)
from nsm_core.drivers.tree import TreeValues, compute, node_values, tree_totals, with_segments
from nsm_core.drivers.whatif import Projection, project, what_if

__all__ = [
    "METHODS",
    "NEW_VS_RETURNING",
    "TEMPLATES",
    "Attribution",
    "Baseline",
    "Brief",
    "BriefSpec",
    "EditKind",
    "Editable",
    "Lifecycle",
    "Method",
    "Node",
    "NodeEdit",
    "Projection",
    "Remainder",
    "RootFit",
    "TemplateKey",
    "TreeSpec",
    "TreeTemplate",
    "TreeValues",
    "attribute",
    "brief_markdown",
    "build_tree",
    "change_caption",
    "compute",
    "default_period",
    "driver_baseline",
    "edit_captions",
    "editable",
    "event_noun",
    "experiment_brief",
    "explain",
    "filter_choices",
    "find",
    "fit_north_star",
    "format_value",
    "history",
    "lmdi_parts",
    "node_values",
    "north_star_spec",
    "outline",
    "path_to",
    "periods",
    "previous_period",
    "project",
    "root_label",
    "row_values",
    "segment_snapshot",
    "shapley_parts",
    "snapshot",
    "split_change",
    "suggest_spec",
    "sum_parts",
    "tree_totals",
    "walk",
    "waterfall_frame",
    "what_if",
    "what_if_period",
    "with_segments",
]
