"""Streaming XML that refuses document type declarations, and with them every entity trick.

DMARC aggregate reports are XML from strangers. A DOCTYPE is where the classic attacks live: entities
that expand a billion times, external entities that read local files or fetch URLs. RFC 7489's schema
needs none of it, so any DOCTYPE, entity declaration or external reference ends the parse with a clear
refusal before expat acts on it (the standard library's parsers would expand internal entities).

`children()` feeds the document to expat in chunks and yields each complete child of the root element
(`<report_metadata>`, `<record>`, ...) as a small `Element`, then forgets it, so memory holds one record
at a time however long the report is. Depth, element count and text length are capped as well.
"""

from typing import BinaryIO, Dict, Iterator, List
from xml.etree.ElementTree import Element
from xml.parsers import expat

from mailsec.reports.errors import ReportError
from mailsec.reports.limits import MAX_TEXT_CHARS, MAX_XML_DEPTH, READ_CHUNK

_NAMESPACE_SEPARATOR = " "


def children(stream: BinaryIO, source: str, max_children: int) -> Iterator[Element]:
    """Each complete child of the document element, in order, with namespaces dropped from the tags."""
    builder = _ChildBuilder(source, max_children)
    parser = _safe_parser(builder)
    while True:
        chunk = stream.read(READ_CHUNK)
        _feed(parser, chunk, source)
        yield from builder.take_finished()
        if not chunk:
            break
    if builder.root_tag is None:
        raise ReportError(f"{source}: the XML document is empty")


def _safe_parser(builder: "_ChildBuilder") -> "expat.XMLParserType":
    parser = expat.ParserCreate(namespace_separator=_NAMESPACE_SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = builder.refuse_doctype
    parser.EntityDeclHandler = builder.refuse_entity
    parser.UnparsedEntityDeclHandler = builder.refuse_entity
    parser.ExternalEntityRefHandler = builder.refuse_entity
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    return parser


def _feed(parser: "expat.XMLParserType", chunk: bytes, source: str) -> None:
    try:
        parser.Parse(chunk, not chunk)
    except expat.ExpatError as exc:
        raise ReportError(f"{source}: the XML cannot be parsed: {expat.ErrorString(exc.code)} at line {exc.lineno}, "
                          f"column {exc.offset}") from None


class _ChildBuilder:
    """expat callbacks that build the root's children one at a time."""

    def __init__(self, source: str, max_children: int) -> None:
        self._source, self._max_children = source, max_children
        self.root_tag = None
        self._stack: List[Element] = []
        self._texts: List[List[str]] = []
        self._finished: List[Element] = []
        self._count = 0

    def take_finished(self) -> List[Element]:
        finished, self._finished = self._finished, []
        return finished

    def start(self, name: str, attributes: Dict[str, str]) -> None:
        tag = _local(name)
        if self.root_tag is None:
            self.root_tag = tag
            return
        if len(self._stack) >= MAX_XML_DEPTH:
            raise ReportError(f"{self._source}: refused, elements nest deeper than {MAX_XML_DEPTH} levels")
        element = Element(tag, {_local(key): value for key, value in attributes.items()})
        if self._stack:
            self._stack[-1].append(element)
        else:
            self._count += 1
            if self._count > self._max_children:
                raise ReportError(f"{self._source}: refused, more than {self._max_children} entries")
        self._stack.append(element)
        self._texts.append([])

    def end(self, _name: str) -> None:
        if not self._stack:
            return  # the root element closed
        element = self._stack.pop()
        element.text = "".join(self._texts.pop()).strip()
        if not self._stack:
            self._finished.append(element)

    def data(self, text: str) -> None:
        if not self._texts:
            return  # white space between the root's children
        parts = self._texts[-1]
        parts.append(text)
        if sum(map(len, parts)) > MAX_TEXT_CHARS:
            raise ReportError(f"{self._source}: refused, <{self._stack[-1].tag}> holds more than "
                              f"{MAX_TEXT_CHARS} characters")

    def refuse_doctype(self, *_details: object) -> None:
        raise ReportError(f"{self._source}: refused, the XML has a DOCTYPE (DMARC reports need none; "
                          "entity declarations are a known attack)")

    def refuse_entity(self, *_details: object) -> None:
        raise ReportError(f"{self._source}: refused, the XML declares or references an entity")


def _local(name: str) -> str:
    """`feedback` for both `feedback` and `urn:ietf:params:xml:ns:dmarc-2.0 feedback`."""
    return name.rsplit(_NAMESPACE_SEPARATOR, 1)[-1]
