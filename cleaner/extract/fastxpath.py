"""trafilatura's hottest XPath expressions, evaluated by compiled Python.

trafilatura finds and prunes a page's regions with XPath expressions whose
`re:test(@class, ...)` calls back from libxml2 into Python for every element
and attribute it tests: on the sites-dev pages a dozen such expressions took a
third of a page's time. Here each of them is parsed from trafilatura's own
text, compiled to one Python predicate and evaluated in one walk over the
elements, giving the same elements in the same order. An expression outside
the small XPath subset parsed here keeps lxml, so a new trafilatura release
changes nothing but the speed. Tests compare both evaluators on real pages and
on generated trees.

`installed()` swaps the compiled evaluators into trafilatura's module globals
(trafilatura reads them there) for the duration of cleaner's own call, and
puts trafilatura's back after it: other trafilatura calls in the process see
trafilatura as it ships.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

# trafilatura's module globals worth compiling: together ~4 ms of a ~12 ms page.
HOT_EXPRESSIONS = ("BODY_XPATH", "OVERALL_DISCARD_XPATH", "BASIC_CLEAN_XPATH", "COMMENTS_XPATH",
                   "REMOVE_COMMENTS_AND_LISTS_XPATH", "RAW_TREE_PRUNE_XPATH", "DISCARD_IMAGE_ELEMENTS")
_FUNCTIONS = ("contains", "starts-with", "re:test", "translate", "not")
_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'[^']*'|"[^"]*")
  | (?P<number>\d+)
  | (?P<descendants>\.//)
  | (?P<attribute>@[A-Za-z_][\w.-]*)
  | (?P<name>[A-Za-z_][\w.-]*(?::(?!:)[A-Za-z_][\w.-]*)?)
  | (?P<symbol>::|[()\[\]|,=*])
)""", re.VERBOSE)


class Unsupported(ValueError):
    """The expression uses XPath beyond the subset compiled here."""


# A path's syntax tree: a step (.//tag[predicates]), the first of a path
# ((...)[1]), or a union (a|b). Predicates are tuples: (kind, ...).
@dataclass(frozen=True)
class Step:
    tag: str | None  # None: any element
    predicates: tuple
    first_per_parent: bool = False  # .//x[p][1]: the first match among each node's children


@dataclass(frozen=True)
class First:
    path: object


@dataclass(frozen=True)
class Union:
    paths: tuple


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    position: int = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        token_kind, token_value = self.peek()
        if (kind and token_kind != kind) or (value is not None and token_value != value):
            raise Unsupported(f"expected {value or kind}, found {token_value or token_kind!r}")
        self.position += 1
        return token_value

    def accept(self, kind: str, value: str | None = None) -> bool:
        token_kind, token_value = self.peek()
        if token_kind == kind and (value is None or token_value == value):
            self.position += 1
            return True
        return False

    def union(self):
        paths = [self.path()]
        while self.accept("symbol", "|"):
            paths.append(self.path())
        return paths[0] if len(paths) == 1 else Union(tuple(paths))

    def path(self):
        if self.accept("symbol", "("):
            inner = self.union()
            self.take("symbol", ")")
            self.take("symbol", "[")
            self.take("number", "1")
            self.take("symbol", "]")
            return First(inner)
        self.take("descendants")
        tag = None if self.accept("symbol", "*") else self.take("name")
        predicates, first_per_parent = [], False
        while self.accept("symbol", "["):
            if first_per_parent:
                raise Unsupported("a predicate after [1]")
            if self.accept("number", "1"):
                first_per_parent = True
            else:
                predicates.append(self.disjunction())
            self.take("symbol", "]")
        return Step(tag, tuple(predicates), first_per_parent)

    def disjunction(self):
        terms = [self.conjunction()]
        while self.accept("name", "or"):
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else ("or", tuple(terms))

    def conjunction(self):
        terms = [self.primary()]
        while self.accept("name", "and"):
            terms.append(self.primary())
        return terms[0] if len(terms) == 1 else ("and", tuple(terms))

    def primary(self):
        kind, value = self.peek()
        if kind == "symbol" and value == "(":
            self.take()
            inner = self.disjunction()
            self.take("symbol", ")")
            return inner
        if kind == "name" and value == "self" and self.peek(1) == ("symbol", "::"):
            self.position += 2
            return ("tag", self.take("name"))
        if kind == "descendants":
            self.take()
            return ("descendant", self.take("name"))
        if kind == "attribute":
            names = self.attributes()
            if self.accept("symbol", "="):
                return ("equals", names, self.literal())
            return ("exists", names)
        if kind == "name" and value in _FUNCTIONS and self.peek(1) == ("symbol", "("):
            self.position += 2
            if value == "not":
                inner = self.disjunction()
                self.take("symbol", ")")
                return ("not", inner)
            if value == "translate":
                raise Unsupported("translate() outside a string argument")
            subject = self.string_value()
            arguments = [subject]
            while self.accept("symbol", ","):
                arguments.append(self.literal())
            self.take("symbol", ")")
            expected = {"contains": (2,), "starts-with": (2,), "re:test": (2, 3)}[value]
            if len(arguments) not in expected:
                raise Unsupported(f"{value}() with {len(arguments)} arguments")
            return (value, *arguments)
        raise Unsupported(f"unexpected {value or kind!r}")

    def attributes(self) -> tuple[str, ...]:
        names = [self.take("attribute")[1:]]
        while self.peek() == ("symbol", "|") and self.peek(1)[0] == "attribute":
            self.position += 1
            names.append(self.take("attribute")[1:])
        return tuple(names)

    def string_value(self):
        kind, value = self.peek()
        if kind == "attribute":
            return ("attributes", self.attributes())
        if kind == "name" and value == "translate" and self.peek(1) == ("symbol", "("):
            self.position += 2
            subject = self.string_value()
            self.take("symbol", ",")
            source = self.literal()
            self.take("symbol", ",")
            target = self.literal()
            self.take("symbol", ")")
            return ("translate", subject, source, target)
        if kind == "string":
            return ("literal", self.literal())
        raise Unsupported(f"unexpected {value or kind!r} as a string")

    def literal(self) -> str:
        return self.take("string")[1:-1]


def parse(expression: str):
    """The syntax tree of an expression in the compiled subset, or Unsupported."""
    tokens, position = [], 0
    expression = expression.rstrip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise Unsupported(f"cannot read {expression[position:position + 20]!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    parser = _Parser(tokens)
    tree = parser.union()
    if parser.peek()[0] != "end":
        raise Unsupported(f"unexpected {parser.peek()[1]!r}")
    return tree


def _first_of(element, names: tuple[str, ...]) -> str:
    """XPath's string value of `@a|@b`: the value of the first of them in the
    element's attribute order (as lxml's re:test takes a node set's first)."""
    for key in element.keys():
        if key in names:
            return element.get(key)
    return ""


def _has_descendant(element, tag: str) -> bool:
    return next(element.iterdescendants(tag), None) is not None


@dataclass
class _CodeWriter:
    """Python source for a predicate over one element `e`. Each attribute is
    read once, into a variable, at the top of the function."""
    constants: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)

    def constant(self, value) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def attribute(self, name: str) -> str:
        """The variable holding the attribute's value, None when absent."""
        return self.attributes.setdefault(name, f"a{len(self.attributes)}")

    def function(self, body: str) -> Callable:
        reads = "".join(f"    {variable} = g({name!r})\n" for name, variable in self.attributes.items())
        namespace = {"first_of": _first_of, "has_descendant": _has_descendant, **self.constants}
        source = f"def keep(e):\n    g = e.get\n{reads}    return {body}\n"
        exec(source, namespace)  # noqa: S102 - our own code, from the parsed expression
        return namespace["keep"]

    def boolean(self, node) -> str:
        kind = node[0]
        if kind == "or":
            return "(" + " or ".join(self.boolean(term) for term in node[1]) + ")"
        if kind == "and":
            return "(" + " and ".join(self.boolean(term) for term in node[1]) + ")"
        if kind == "not":
            return f"(not {self.boolean(node[1])})"
        if kind == "tag":
            return f"(e.tag == {node[1]!r})"
        if kind == "descendant":
            return f"has_descendant(e, {node[1]!r})"
        if kind == "exists":
            return "(" + " or ".join(f"{self.attribute(name)} is not None" for name in node[1]) + ")"
        if kind == "equals":
            return "(" + " or ".join(f"{self.attribute(name)} == {node[2]!r}" for name in node[1]) + ")"
        if kind == "contains":
            return f"({node[2]!r} in {self.string(node[1])})"
        if kind == "starts-with":
            return f"{self.string(node[1])}.startswith({node[2]!r})"
        if kind == "re:test":
            flags = re.IGNORECASE if len(node) > 3 and "i" in node[3] else 0
            compiled_pattern = re.compile(node[2], flags)
            pattern = self.constant(compiled_pattern)
            subject = node[1]
            if subject[0] == "attributes" and len(subject[1]) == 1 and compiled_pattern.search("") is None:
                # an absent or empty attribute cannot match: no search for it
                variable = self.attribute(subject[1][0])
                return f"(bool({variable}) and {pattern}.search({variable}) is not None)"
            return f"({pattern}.search({self.string(subject)}) is not None)"
        raise Unsupported(kind)

    def string(self, node) -> str:
        kind = node[0]
        if kind == "literal":
            return repr(node[1])
        if kind == "translate":
            source, target = node[2], node[3]
            table = {ord(char): (target[i] if i < len(target) else None)
                     for i, char in reversed(list(enumerate(source)))}
            return f"{self.string(node[1])}.translate({self.constant(table)})"
        names = node[1]
        if len(names) == 1:
            return f"({self.attribute(names[0])} or '')"
        if len(names) == 2:  # the attribute order matters only when both are there
            first, second = (self.attribute(name) for name in names)
            return (f"(({first} if {second} is None else {second} if {first} is None"
                    f" else first_of(e, {names!r})) or '')")
        return f"first_of(e, {names!r})"


def _tags_filter(step: Step) -> tuple[tuple[str, ...] | None, tuple]:
    """The element names a step can match, for lxml's C-level iteration
    filter, from its tag or its first predicate when that is only
    `self::a or self::b ...`; and the predicates left to test."""
    if step.tag is not None:
        return (step.tag,), step.predicates
    if step.predicates:
        first = step.predicates[0]
        terms = first[1] if first[0] == "or" else (first,)
        if all(term[0] == "tag" for term in terms):
            return tuple(term[1] for term in terms), step.predicates[1:]
    return None, step.predicates


def _predicate(predicates: tuple) -> Callable | None:
    if not predicates:
        return None
    writer = _CodeWriter()
    return writer.function(" and ".join(writer.boolean(predicate) for predicate in predicates))


def _step_evaluator(step: Step) -> Callable[[object], Iterator]:
    tags, predicates = _tags_filter(step)
    keep = _predicate(predicates)
    filter_args = tags if tags is not None else (etree.Element,)

    if not step.first_per_parent:
        if keep is None:
            return lambda context: context.iterdescendants(*filter_args)
        return lambda context: filter(keep, context.iterdescendants(*filter_args))

    def first_per_parent(context) -> Iterator:
        parents_done = set()
        for element in context.iterdescendants(*filter_args):
            if keep is None or keep(element):
                parent = element.getparent()
                if parent not in parents_done:
                    parents_done.add(parent)
                    yield element
    return first_per_parent


def _evaluator(node) -> Callable[[object], Iterator]:
    """A function from a context element to the path's elements in document order."""
    if isinstance(node, Step):
        return _step_evaluator(node)
    if isinstance(node, First):
        inner = _evaluator(node.path)
        return lambda context: iter([first] if (first := next(inner(context), None)) is not None else [])
    if all(isinstance(path, Step) and not path.first_per_parent for path in node.paths):
        return _single_walk_union(node.paths)
    branches = [_evaluator(path) for path in node.paths]

    def merged(context) -> Iterator:
        found: set = set()
        for branch in branches:
            found.update(branch(context))
        if not found:
            return iter(())
        return (element for element in context.iterdescendants(etree.Element) if element in found)
    return merged


def _single_walk_union(steps: tuple) -> Callable[[object], Iterator]:
    """`.//a|.//b[p]|...`: one walk, keeping an element if any branch does."""
    writer = _CodeWriter()
    terms = []
    for step in steps:
        tags, predicates = _tags_filter(step)
        parts = [] if tags is None else [f"(e.tag in {writer.constant(frozenset(tags))})"]
        parts += [writer.boolean(predicate) for predicate in predicates]
        terms.append("(" + (" and ".join(parts) or "True") + ")")
    keep = writer.function(" or ".join(terms))
    return lambda context: filter(keep, context.iterdescendants(etree.Element))


class CompiledXPath:
    """A drop-in for an `lxml.etree.XPath` in the compiled subset: called with
    an element, it returns the same list of elements; anything else (a
    document, XPath variables) goes to lxml's evaluator, kept as `.lxml`."""

    def __init__(self, xpath: etree.XPath):
        self.lxml = xpath
        self.path = xpath.path
        self._evaluate = _evaluator(parse(xpath.path))

    def __call__(self, context, **variables):
        if variables or not isinstance(context, etree._Element):
            return self.lxml(context, **variables)
        return list(self._evaluate(context))

    def __repr__(self) -> str:
        return f"CompiledXPath({self.path.strip()!r})"


def compiled(xpath):
    """`xpath` compiled, or itself when it is not an XPath in the subset."""
    if not isinstance(xpath, etree.XPath):
        return xpath
    try:
        return CompiledXPath(xpath)
    except (Unsupported, re.error):
        return xpath


@dataclass
class _Swap:
    """Where trafilatura holds its hot expressions, and what replaces them:
    (module, global name, original, compiled) for single expressions and
    tuples, (the list, its items, compiled items) for lists, which several
    modules share and which are changed in place."""

    attributes: list[tuple[Any, str, Any, Any]] = field(default_factory=list)
    lists: list[tuple[list, list, list]] = field(default_factory=list)
    depth: int = 0


@lru_cache(maxsize=1)
def _swap() -> _Swap:
    import importlib
    import sys

    importlib.import_module("trafilatura")  # loads the modules whose globals are read
    compiled_of: dict[int, Any] = {}

    def replacement(xpath):
        if id(xpath) not in compiled_of:
            compiled_of[id(xpath)] = compiled(xpath)
        return compiled_of[id(xpath)]

    swap, seen_lists = _Swap(), set()
    for name, module in list(sys.modules.items()):
        if not (name == "trafilatura" or name.startswith("trafilatura.")) or module is None:
            continue
        for global_name in HOT_EXPRESSIONS:
            value = getattr(module, global_name, None)
            if isinstance(value, etree.XPath):
                swap.attributes.append((module, global_name, value, replacement(value)))
            elif isinstance(value, tuple):
                swap.attributes.append((module, global_name, value, tuple(replacement(v) for v in value)))
            elif isinstance(value, list) and id(value) not in seen_lists:
                seen_lists.add(id(value))
                swap.lists.append((value, list(value), [replacement(v) for v in value]))
    return swap


@contextmanager
def installed() -> Iterator[int]:
    """Compiled evaluators in place of trafilatura's HOT_EXPRESSIONS while
    the block runs, trafilatura's own put back after it: other trafilatura
    calls in the user's process see trafilatura as it ships. Yields how many
    expressions were compiled. Re-entrant; not for threads that call
    trafilatura at the same moment."""
    swap = _swap()
    if swap.depth == 0:
        for module, name, _, replacement in swap.attributes:
            setattr(module, name, replacement)
        for items, _, replacements in swap.lists:
            items[:] = replacements
    swap.depth += 1
    try:
        yield sum(r is not o for _, _, o, r in swap.attributes) + sum(
            r is not o for _, originals, replacements in swap.lists for o, r in zip(originals, replacements))
    finally:
        swap.depth -= 1
        if swap.depth == 0:
            for module, name, original, _ in swap.attributes:
                setattr(module, name, original)
            for items, originals, _ in swap.lists:
                items[:] = originals
