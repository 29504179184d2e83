"""The .xmap language front end: grammar, parser, syntax tree and formatter."""

from crossmap.syntax import ast
from crossmap.syntax.formatter import format_spec
from crossmap.syntax.loader import load
from crossmap.syntax.parser import parse, parse_file

__all__ = ["ast", "format_spec", "load", "parse", "parse_file"]
