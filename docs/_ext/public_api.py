"""The ``public-api`` directive: the API page of one module, generated from its ``__all__``.

``.. public-api:: bristol.ensembles`` renders the module docstring, a summary table of the
names in the module's ``__all__`` (in that order) and the autodoc entry of each name:
``autoclass`` for classes, ``autofunction`` for functions and ``autodata`` for everything
else. Naming every object explicitly documents re-exported names too, which
``automodule :members:`` silently leaves out for data (e.g. a dict imported from a private
module). A module without ``__all__`` falls back to ``automodule`` with autodoc's defaults.
"""
from __future__ import annotations

import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def public_api_lines(modname: str) -> list[str]:
    """reStructuredText lines documenting ``modname``'s public names."""
    module = importlib.import_module(modname)
    names = getattr(module, "__all__", None)
    if names is None:
        return [f".. automodule:: {modname}", ""]
    lines = [f".. automodule:: {modname}", "   :no-members:", "", f".. currentmodule:: {modname}", "",
             ".. autosummary::", ""]
    lines += [f"   {name}" for name in names]
    lines.append("")
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            kind = "autoclass"
        elif inspect.isroutine(obj):
            kind = "autofunction"
        else:
            kind = "autodata"
        lines += [f".. {kind}:: {modname}.{name}", ""]
    return lines


class PublicAPI(SphinxDirective):
    """Document one module's public names (see the module docstring)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        modname = self.arguments[0]
        self.env.note_dependency(inspect.getsourcefile(importlib.import_module(modname)))
        container = nodes.section()
        container.document = self.state.document
        source = f"<public-api {modname}>"
        self.state.nested_parse(StringList(public_api_lines(modname), source=source), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("public-api", PublicAPI)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
