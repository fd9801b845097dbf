//! XML text → a small namespace-resolved element tree, with positions.
//!
//! This layer knows XML, not BPMN: it enforces the safety limits (size, depth, no DTD, no
//! entities beyond XML's five), resolves every prefix to its namespace URI, and records where
//! each element starts. Building the model from the tree is then plain pattern matching.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::{Error, Location};
use crate::model::Position;

use super::ParseOptions;

/// The namespaces Baton reads, resolved once so that matching is a comparison of enums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace (unprefixed attributes, or elements with no default namespace).
    None,
    Bpmn,
    BpmnDi,
    Dc,
    Di,
    Camunda,
    Zeebe,
    Modeler,
    Bioc,
    Color,
    Xsi,
    Other(Box<str>),
    /// A prefix that is not declared: kept so the element can still be reported.
    Undeclared(Box<str>),
}

pub(crate) const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";

impl Ns {
    fn from_uri(uri: &str) -> Ns {
        match uri {
            BPMN_NS => Ns::Bpmn,
            "http://www.omg.org/spec/BPMN/20100524/DI" => Ns::BpmnDi,
            "http://www.omg.org/spec/DD/20100524/DC" => Ns::Dc,
            "http://www.omg.org/spec/DD/20100524/DI" => Ns::Di,
            "http://camunda.org/schema/1.0/bpmn" => Ns::Camunda,
            "http://camunda.org/schema/zeebe/1.0" => Ns::Zeebe,
            "http://camunda.org/schema/modeler/1.0" => Ns::Modeler,
            "http://bpmn.io/schema/bpmn/biocolor/1.0" => Ns::Bioc,
            "http://www.omg.org/spec/BPMN/non-normative/color/1.0" => Ns::Color,
            "http://www.w3.org/2001/XMLSchema-instance" => Ns::Xsi,
            other => Ns::Other(other.into()),
        }
    }

    /// The namespace URI, for reports.
    pub(crate) fn uri(&self) -> Option<&str> {
        Some(match self {
            Ns::None | Ns::Undeclared(_) => return None,
            Ns::Bpmn => BPMN_NS,
            Ns::BpmnDi => "http://www.omg.org/spec/BPMN/20100524/DI",
            Ns::Dc => "http://www.omg.org/spec/DD/20100524/DC",
            Ns::Di => "http://www.omg.org/spec/DD/20100524/DI",
            Ns::Camunda => "http://camunda.org/schema/1.0/bpmn",
            Ns::Zeebe => "http://camunda.org/schema/zeebe/1.0",
            Ns::Modeler => "http://camunda.org/schema/modeler/1.0",
            Ns::Bioc => "http://bpmn.io/schema/bpmn/biocolor/1.0",
            Ns::Color => "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
            Ns::Xsi => "http://www.w3.org/2001/XMLSchema-instance",
            Ns::Other(uri) => uri,
        })
    }

    fn resolve(result: ResolveResult<'_>) -> Ns {
        match result {
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Bound(ns) => Ns::from_uri(ns.0),
            ResolveResult::Unknown(prefix) => Ns::Undeclared(prefix.into()),
        }
    }
}

/// One attribute, its prefix resolved.
#[derive(Debug, Clone)]
pub(crate) struct Attr<'a> {
    pub ns: Ns,
    pub local: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// No element: the root is element 0 and is nobody's child or sibling.
const NONE: u32 = 0;

/// One element, stored in its [`Document`]'s arena; links are indexes into it.
#[derive(Debug, Clone)]
struct Element<'a> {
    ns: Ns,
    /// The qualified name as written (`bpmn:task`), for messages.
    qname: Cow<'a, str>,
    local: Cow<'a, str>,
    /// Its attributes: `attrs[attrs.0..attrs.1]` of the document.
    attrs: (u32, u32),
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    /// Text and CDATA content, concatenated, entities resolved. Whitespace before the first
    /// real character is not kept: BPMN has no mixed content, and skipping the indentation
    /// between child elements saves an allocation per element.
    text: Cow<'a, str>,
    position: Position,
}

/// A parsed document: every element and attribute in two flat arenas, so that parsing a
/// large model allocates per document, not per element.
#[derive(Debug, Default)]
pub(crate) struct Document<'a> {
    elements: Vec<Element<'a>>,
    attrs: Vec<Attr<'a>>,
}

impl<'a> Document<'a> {
    /// The root element.
    pub fn root(&self) -> Node<'_, 'a> {
        Node { doc: self, index: 0 }
    }
}

/// A handle on one element of a [`Document`].
#[derive(Clone, Copy)]
pub(crate) struct Node<'d, 'a> {
    doc: &'d Document<'a>,
    index: u32,
}

impl<'d, 'a> Node<'d, 'a> {
    fn element(self) -> &'d Element<'a> {
        &self.doc.elements[self.index as usize]
    }

    pub fn ns(self) -> &'d Ns {
        &self.element().ns
    }

    pub fn local(self) -> &'d str {
        &self.element().local
    }

    pub fn qname(self) -> &'d str {
        &self.element().qname
    }

    pub fn text(self) -> &'d str {
        &self.element().text
    }

    pub fn position(self) -> Position {
        self.element().position
    }

    pub fn attrs(self) -> &'d [Attr<'a>] {
        let (start, end) = self.element().attrs;
        &self.doc.attrs[start as usize..end as usize]
    }

    pub fn is(self, ns: &Ns, local: &str) -> bool {
        self.ns() == ns && self.local() == local
    }

    /// An unprefixed attribute's value.
    pub fn attr(self, local: &str) -> Option<&'d str> {
        self.attr_ns(&Ns::None, local)
    }

    /// A namespaced attribute's value.
    pub fn attr_ns(self, ns: &Ns, local: &str) -> Option<&'d str> {
        self.attrs().iter().find(|a| a.ns == *ns && a.local == local).map(|a| &*a.value)
    }

    pub fn id(self) -> Option<&'d str> {
        self.attr("id").filter(|id| !id.is_empty())
    }

    /// Direct children, in document order.
    pub fn children(self) -> impl Iterator<Item = Node<'d, 'a>> {
        let doc = self.doc;
        std::iter::successors(Some(self.element().first_child).filter(|&i| i != NONE), move |&i| {
            Some(doc.elements[i as usize].next_sibling).filter(|&n| n != NONE)
        })
        .map(move |index| Node { doc, index })
    }

    /// Direct children with this name.
    pub fn children_named(self, ns: &'d Ns, local: &'d str) -> impl Iterator<Item = Node<'d, 'a>> {
        self.children().filter(move |c| c.is(ns, local))
    }

    pub fn child(self, ns: &Ns, local: &str) -> Option<Node<'d, 'a>> {
        self.children().find(|c| c.is(ns, local))
    }

    /// The trimmed text, or `None` when empty.
    pub fn trimmed_text(self) -> Option<&'d str> {
        Some(self.text().trim()).filter(|t| !t.is_empty())
    }
}

/// `part` as a slice of `text` when it points into it (the common case: names and values
/// without escapes), so that parsing allocates only where XML forces it to.
fn borrow<'a>(text: &'a str, part: &str) -> Cow<'a, str> {
    let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    match text.get(start..start.wrapping_add(part.len())) {
        Some(slice) if std::ptr::eq(slice.as_ptr(), part.as_ptr()) => Cow::Borrowed(slice),
        _ => Cow::Owned(part.to_owned()),
    }
}

fn push_text<'a>(target: &mut Cow<'a, str>, content: Cow<'a, str>) {
    if target.is_empty() {
        if !content.trim().is_empty() {
            *target = content;
        }
    } else {
        target.to_mut().push_str(&content);
    }
}

/// Turns byte offsets into line and column, scanning forward once for the whole document:
/// positions are asked for in document order, so the total work stays linear even for a
/// megabyte-long single line.
pub(crate) struct Locator<'a> {
    text: &'a [u8],
    offset: usize,
    position: Position,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), offset: 0, position: Position::new(1, 1) }
    }

    pub fn locate(&mut self, offset: u64) -> Position {
        let target = usize::try_from(offset).unwrap_or(usize::MAX).min(self.text.len());
        if target < self.offset {
            self.offset = 0;
            self.position = Position::new(1, 1);
        }
        for &byte in &self.text[self.offset..target] {
            if byte == b'\n' {
                self.position.line += 1;
                self.position.column = 1;
            } else if byte & 0xC0 != 0x80 {
                // Count characters, not bytes: a UTF-8 continuation byte starts no character.
                self.position.column += 1;
            }
        }
        self.offset = target;
        self.position
    }
}

/// Parses `text` into a document, enforcing `options`' limits.
pub(crate) fn read<'a>(
    text: &'a str,
    options: &ParseOptions,
    file: Option<&std::path::Path>,
) -> Result<Document<'a>, Error> {
    let at = |position: Position| Location { file: file.map(Into::into), position };
    let mut locator = Locator::new(text);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;

    // Roughly one element per 60 bytes in modeler output: reserve once instead of growing.
    let mut doc =
        Document { elements: Vec::with_capacity(text.len() / 60), attrs: Vec::with_capacity(text.len() / 40) };
    let mut stack: Vec<u32> = Vec::new();
    let mut closed_root = false;
    loop {
        let start = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let position = locator.locate(reader.error_position());
                return Err(xml_error(err, at(position)));
            }
        };
        match event {
            Event::Start(e) | Event::Empty(e) if closed_root => {
                let _ = e;
                return Err(Error::Malformed {
                    at: at(locator.locate(start)),
                    message: "a second root element; a document has exactly one".into(),
                });
            }
            Event::Start(e) => {
                let index = open(&mut doc, &stack, text, &reader, &e, locator.locate(start), &at, options)?;
                stack.push(index);
            }
            Event::Empty(e) => {
                open(&mut doc, &stack, text, &reader, &e, locator.locate(start), &at, options)?;
                closed_root |= stack.is_empty();
            }
            Event::End(_) => {
                // check_end_names guarantees a matching open element.
                stack.pop();
                closed_root |= stack.is_empty();
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last() {
                    Some(&top) => push_text(&mut doc.elements[top as usize].text, borrow(text, &content)),
                    None if content.trim().is_empty() => {}
                    None => {
                        return Err(Error::Malformed {
                            at: at(locator.locate(start)),
                            message: "text outside the root element".into(),
                        });
                    }
                }
            }
            Event::CData(c) => {
                if let Some(&top) = stack.last() {
                    push_text(&mut doc.elements[top as usize].text, borrow(text, &c.xml10_content()));
                }
            }
            Event::GeneralRef(r) => {
                let position = locator.locate(start);
                let resolved = resolve_reference(&r, &at(position))?;
                if let Some(&top) = stack.last() {
                    doc.elements[top as usize].text.to_mut().push_str(&resolved);
                }
            }
            Event::DocType(_) => return Err(Error::Doctype { at: at(locator.locate(start)) }),
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding() {
                    let name = encoding.to_ascii_lowercase();
                    // The text is already UTF-8; a declaration of ASCII (a subset) or of any other
                    // encoding is harmless as long as every character is ASCII.
                    let compatible = matches!(name.as_str(), "utf-8" | "utf8") || text.is_ascii();
                    if !compatible {
                        return Err(Error::Encoding {
                            at: at(locator.locate(start)),
                            detail: format!("the declaration says encoding=\"{encoding}\""),
                        });
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(&open) = stack.last() {
        let open = &doc.elements[open as usize];
        return Err(Error::Malformed {
            at: at(locator.locate(text.len() as u64)),
            message: format!(
                "the document ends before `</{}>` closes the element opened at {}",
                open.qname, open.position
            ),
        });
    }
    if doc.elements.is_empty() {
        return Err(Error::Malformed {
            at: at(locator.locate(text.len() as u64)),
            message: "the document has no root element".into(),
        });
    }
    Ok(doc)
}

/// Appends the element that `start` opens as the last child of the innermost open element.
#[allow(clippy::too_many_arguments)]
fn open<'a, F>(
    doc: &mut Document<'a>,
    stack: &[u32],
    text: &'a str,
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    position: Position,
    at: &F,
    options: &ParseOptions,
) -> Result<u32, Error>
where
    F: Fn(Position) -> Location,
{
    if stack.len() >= options.max_depth {
        return Err(Error::TooDeep { at: at(position), limit: options.max_depth });
    }
    let name = start.name();
    let (ns, local) = reader.resolver().resolve_element(name);
    let first_attr = doc.attrs.len() as u32;
    for attr in start.attributes() {
        let attr = attr.map_err(|err| Error::Malformed { at: at(position), message: err.to_string() })?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        // Fast paths for the common case: an unprefixed name needs no namespace lookup, and a
        // value without references or line breaks is its own normalized form.
        let raw: &str = &attr.value;
        let value = if raw.bytes().any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r')) {
            borrow(
                text,
                &attr.normalized_value(XmlVersion::Implicit1_0).map_err(|err| escape_error(err, at(position)))?,
            )
        } else {
            borrow(text, raw)
        };
        let key: &str = attr.key.as_ref();
        let (attr_ns, attr_local) = if key.contains(':') {
            let (ns, local) = reader.resolver().resolve_attribute(attr.key);
            (Ns::resolve(ns), borrow(text, local.as_ref()))
        } else {
            (Ns::None, borrow(text, key))
        };
        doc.attrs.push(Attr { ns: attr_ns, local: attr_local, value });
    }
    let index = doc.elements.len() as u32;
    doc.elements.push(Element {
        ns: Ns::resolve(ns),
        qname: borrow(text, name.as_ref()),
        local: borrow(text, local.as_ref()),
        attrs: (first_attr, doc.attrs.len() as u32),
        first_child: NONE,
        last_child: NONE,
        next_sibling: NONE,
        text: Cow::Borrowed(""),
        position,
    });
    if let Some(&parent) = stack.last() {
        let parent = &mut doc.elements[parent as usize];
        let previous = parent.last_child;
        parent.last_child = index;
        if previous == NONE {
            parent.first_child = index;
        } else {
            doc.elements[previous as usize].next_sibling = index;
        }
    }
    Ok(index)
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>, at: &Location) -> Result<Cow<'static, str>, Error> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            _ => Err(Error::Malformed {
                at: at.clone(),
                message: format!("invalid character reference `&{};`", reference.xml10_content()),
            }),
        };
    }
    let name = reference.xml10_content();
    Ok(Cow::Borrowed(match name.as_ref() {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return Err(Error::Entity { at: at.clone(), name: name.into_owned() }),
    }))
}

fn escape_error(err: quick_xml::Error, at: Location) -> Error {
    match err {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            Error::Entity { at, name }
        }
        other => xml_error(other, at),
    }
}

fn xml_error(err: quick_xml::Error, at: Location) -> Error {
    match err {
        quick_xml::Error::Encoding(e) => Error::Encoding { at, detail: e.to_string() },
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            Error::Entity { at, name }
        }
        other => Error::Malformed { at, message: other.to_string() },
    }
}
