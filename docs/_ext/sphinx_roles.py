"""Turn the Sphinx roles of posturelab's docstrings into links of the documentation site.

The docstrings are written in the NumPy style and name other objects with Sphinx roles
(``:func:`run```, ``:class:`~posturelab.errors.InputError```) and equations with ``:math:``.
mkdocstrings renders Markdown, so this griffe extension rewrites each role before rendering:

* a role naming an object of the public API (``posturelab``, ``posturelab.api``,
  ``posturelab.errors``) becomes a cross-reference that must resolve: ``mkdocs build --strict``
  fails on a name that is not documented;
* a role naming any other object becomes an optional cross-reference, a link where the object is
  documented and plain code elsewhere;
* ``:math:`...``` becomes inline code.

Relative names (``:func:`compare```) are resolved in the scope of the docstring's object, as
Sphinx resolves them.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):`(?P<target>[^`]+)`")
MATH = re.compile(r":math:`(?P<body>[^`]+)`")
PUBLIC = ("posturelab.api", "posturelab.errors")


def _is_public(path: str) -> bool:
    if path.startswith(PUBLIC):
        return True
    head, _, tail = path.partition(".")
    return head == "posturelab" and "." not in tail


def _resolve(obj: griffe.Object, name: str) -> str:
    if name.startswith("posturelab"):
        return name
    first, _, rest = name.partition(".")
    scope: griffe.Object | None = obj
    while scope is not None:
        if first in scope.members:
            member = scope.members[first]
            path = member.target_path if isinstance(member, griffe.Alias) else member.path
            return f"{path}.{rest}" if rest else path
        if scope.name == first:
            return f"{scope.path}.{rest}" if rest else scope.path
        scope = scope.parent
    try:
        return obj.resolve(name)
    except griffe.NameResolutionError:
        return name


def _role(obj: griffe.Object, match: re.Match[str]) -> str:
    target = "".join(match["target"].split())
    short = target.startswith("~")
    name = target.lstrip("~").removesuffix("()")
    path = _resolve(obj, name)
    title = name.rsplit(".", 1)[-1] if short else name
    if _is_public(path):
        return f"[`{title}`][{path}]"
    return f'<autoref identifier="{path}" optional><code>{title}</code></autoref>'


def rewrite(obj: griffe.Object, text: str) -> str:
    """The docstring ``text`` of ``obj`` with its Sphinx roles rewritten as Markdown."""
    text = MATH.sub(lambda m: f"`{' '.join(m['body'].split())}`", text)
    return ROLE.sub(lambda m: _role(obj, m), text)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstring of ``obj`` (every kind of object)."""
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj, obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstring of a top-level package, which ``on_object`` does not visit."""
        if pkg.docstring is not None:
            pkg.docstring.value = rewrite(pkg, pkg.docstring.value)
