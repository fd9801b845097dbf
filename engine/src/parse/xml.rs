//! XML text → namespace-resolved elements with positions, one subtree at a time.
//!
//! This layer knows XML, not BPMN: it enforces the safety limits (size, depth, no DTD, no
//! entities beyond XML's five), resolves every prefix to its namespace URI, and records where
//! each element starts. [`Reader`] hands the builder small element trees (one flow element, one
//! shape) in an arena it reuses, so building the model from them is plain pattern matching and
//! reading a large model never holds more than one of them.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use rustc_hash::FxHashSet;

use crate::error::{Error, Location};
use crate::model::Position;

use super::ParseOptions;

/// The namespaces Baton reads, resolved once so that matching is a comparison of enums.
///
/// `Copy` and free of heap data, so that the element arena holds plain values: URIs Baton does
/// not know live once in `Document::uris`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Another namespace: its URI is `Document::uris[index]`.
    Other(u32),
    /// A prefix that is not declared, kept so the element can still be reported:
    /// `Document::owned[index]` holds the prefix.
    Undeclared(u32),
}

pub(crate) const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";

/// The namespaces Baton knows, with their URIs.
const KNOWN: [(Ns, &str); 11] = [
    (Ns::Bpmn, BPMN_NS),
    (Ns::BpmnDi, "http://www.omg.org/spec/BPMN/20100524/DI"),
    (Ns::Dc, "http://www.omg.org/spec/DD/20100524/DC"),
    (Ns::Di, "http://www.omg.org/spec/DD/20100524/DI"),
    (Ns::Camunda, "http://camunda.org/schema/1.0/bpmn"),
    // Camunda 7 reads Activiti's namespace as its own (docs.camunda.org: update/ "Migrate from
    // Activiti"): `activiti:` attributes and elements are `camunda:` ones.
    (Ns::Camunda, "http://activiti.org/bpmn"),
    (Ns::Zeebe, "http://camunda.org/schema/zeebe/1.0"),
    (Ns::Modeler, "http://camunda.org/schema/modeler/1.0"),
    (Ns::Bioc, "http://bpmn.io/schema/bpmn/biocolor/1.0"),
    (Ns::Color, "http://www.omg.org/spec/BPMN/non-normative/color/1.0"),
    (Ns::Xsi, "http://www.w3.org/2001/XMLSchema-instance"),
];

/// A value or text of the document: a span of the input (everything without escapes, which is
/// nearly everything), or one of the few strings XML forced us to build.
#[derive(Debug, Clone, Copy)]
enum Str {
    Span { start: u32, len: u32 },
    Owned(u32),
}

impl Str {
    const EMPTY: Str = Str::Span { start: 0, len: 0 };
}

/// One attribute, its prefix resolved. Names are always spans of the input.
#[derive(Debug, Clone, Copy)]
struct Attr<'a> {
    ns: Ns,
    local: &'a str,
    value: Str,
}

/// No element: the root is element 0 and is nobody's child or sibling.
const NONE: u32 = 0;

/// One element, stored in its [`Document`]'s arena; links are indexes into it.
#[derive(Debug, Clone, Copy)]
struct Element<'a> {
    ns: Ns,
    /// The qualified name as written (`bpmn:task`), for messages.
    qname: &'a str,
    local: &'a str,
    /// Its attributes: `attrs[attrs.0..attrs.1]` of the document.
    attrs: (u32, u32),
    first_child: u32,
    next_sibling: u32,
    /// Text and CDATA content, concatenated, entities resolved. Whitespace before the first
    /// real character is not kept: BPMN has no mixed content, and skipping the indentation
    /// between child elements keeps nearly every text a plain span of the input.
    text: Str,
    position: Position,
}

/// The elements a [`Reader`] holds (the entered ones and the current child's subtree), with their
/// attributes, in two flat arenas of plain values pointing into the input: reading allocates per
/// document, not per element, and the arenas are reused from one child to the next.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    text: &'a str,
    elements: Vec<Element<'a>>,
    attrs: Vec<Attr<'a>>,
    /// Strings that are not spans of the input: unescaped values, joined text, undeclared
    /// prefixes.
    owned: Vec<String>,
    /// The URIs of [`Ns::Other`] namespaces: few, searched often, and never reclaimed.
    uris: Vec<String>,
}

impl<'a> Document<'a> {
    /// The root element.
    #[cfg(test)]
    pub fn root(&self) -> Node<'_, 'a> {
        Node { doc: self, index: 0 }
    }

    fn str(&self, s: Str) -> &str {
        match s {
            Str::Span { start, len } => self.text.get(start as usize..(start + len) as usize).unwrap_or_default(),
            Str::Owned(index) => self.owned.get(index as usize).map_or("", String::as_str),
        }
    }

    /// `part` as a span of the input when it points into it (the common case: names and
    /// values without escapes), otherwise as an owned copy.
    fn intern(&mut self, part: &str) -> Str {
        let start = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        match self.text.get(start..start.wrapping_add(part.len())) {
            Some(slice) if std::ptr::eq(slice.as_ptr(), part.as_ptr()) => {
                // `read` refuses inputs of 4 GiB or more, so offsets fit.
                Str::Span { start: start as u32, len: part.len() as u32 }
            }
            _ => self.own(part.to_owned()),
        }
    }

    fn own(&mut self, string: String) -> Str {
        self.owned.push(string);
        Str::Owned(self.owned.len() as u32 - 1)
    }

    /// Adds text content to an element. Leading blank content is dropped (see
    /// [`Element::text`]) unless `keep_blank`: an entity's text is always content.
    fn push_text(&mut self, element: u32, content: &str, keep_blank: bool) {
        let current = self.elements[element as usize].text;
        let text = match current {
            Str::Span { len: 0, .. } if !keep_blank && is_blank(content) => return,
            Str::Span { len: 0, .. } => self.intern(content),
            Str::Owned(index) => {
                self.owned[index as usize].push_str(content);
                return;
            }
            Str::Span { .. } => {
                let joined = format!("{}{content}", self.str(current));
                self.own(joined)
            }
        };
        self.elements[element as usize].text = text;
    }

    /// The namespace a URI names: one of Baton's, or another kept in the string table.
    fn namespace(&mut self, uri: &str) -> Ns {
        if uri.is_empty() {
            return Ns::None; // `xmlns=""` takes the default namespace away
        }
        if let Some((known, _)) = KNOWN.iter().find(|(_, known)| *known == uri) {
            return *known;
        }
        if let Some(index) = self.uris.iter().position(|known| known == uri) {
            return Ns::Other(index as u32);
        }
        self.uris.push(uri.to_owned());
        Ns::Other(self.uris.len() as u32 - 1)
    }

    /// The URI of a namespace; `None` for no namespace or an undeclared prefix.
    fn uri(&self, ns: Ns) -> Option<&str> {
        match ns {
            Ns::None | Ns::Undeclared(_) => None,
            Ns::Other(index) => self.uris.get(index as usize).map(String::as_str),
            known => KNOWN.iter().find(|(ns, _)| *ns == known).map(|(_, uri)| *uri),
        }
    }

    /// A prefix nobody declared, kept for messages.
    fn undeclared(&mut self, prefix: &str) -> Ns {
        self.owned.push(prefix.to_owned());
        Ns::Undeclared(self.owned.len() as u32 - 1)
    }

    /// `part` as a slice of the input with the input's lifetime, when it points into it.
    fn input(&self, part: &str) -> Option<&'a str> {
        let start = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        self.text.get(start..start.wrapping_add(part.len())).filter(|slice| std::ptr::eq(slice.as_ptr(), part.as_ptr()))
    }
}

/// Whether `text` is only XML whitespace (space, tab, line feed, carriage return).
fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The XML namespace, bound to the `xml` prefix without a declaration.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The namespace prefixes in scope, innermost last; `""` is the default namespace.
///
/// Baton resolves prefixes itself, in the one pass over each start tag that also collects its
/// attributes: quick-xml's namespace reader parsed every tag's attributes a second time to find
/// declarations, which was a third of the time to read a large model. BPMN files declare their
/// prefixes once, on the root, so a lookup is a short scan from the end.
#[derive(Default)]
struct Scopes<'a> {
    bindings: Vec<(&'a str, Ns)>,
}

impl<'a> Scopes<'a> {
    /// The namespace of a qualified name: elements without a prefix are in the default
    /// namespace, attributes without one in none.
    fn resolve(&self, doc: &mut Document<'a>, qname: &str, is_attribute: bool) -> (Ns, usize) {
        match qname.split_once(':') {
            None if is_attribute => (Ns::None, 0),
            None => (self.lookup("").unwrap_or(Ns::None), 0),
            Some((prefix, _)) => {
                let ns = match self.lookup(prefix) {
                    Some(ns) => ns,
                    None if prefix == "xml" => doc.namespace(XML_NS),
                    None => doc.undeclared(prefix),
                };
                (ns, prefix.len() + 1)
            }
        }
    }

    fn lookup(&self, prefix: &str) -> Option<Ns> {
        self.bindings.iter().rev().find(|(bound, _)| *bound == prefix).map(|(_, ns)| *ns)
    }
}

/// Room for reading one tag, reused from tag to tag so that reading a tag allocates nothing.
#[derive(Default)]
struct Scratch<'a> {
    /// Attributes waiting for the tag's namespace declarations.
    pending: Vec<(&'a str, Str)>,
    /// Every attribute name of the tag so far, to refuse duplicates.
    keys: Vec<&'a str>,
    /// The same names hashed once a tag has many, so that a hostile tag stays linear.
    hashed: FxHashSet<&'a str>,
}

impl<'a> Scratch<'a> {
    /// From this many attributes on, names are checked in `hashed`.
    const HASHED_FROM: usize = 16;

    fn clear(&mut self) {
        self.pending.clear();
        if self.keys.len() >= Self::HASHED_FROM {
            self.hashed.clear();
        }
        self.keys.clear();
    }

    /// Whether the tag has no attribute named `key` yet; records it.
    fn is_new(&mut self, key: &'a str) -> bool {
        if self.keys.len() >= Self::HASHED_FROM {
            return self.hashed.insert(key);
        }
        if self.keys.contains(&key) {
            return false;
        }
        self.keys.push(key);
        if self.keys.len() == Self::HASHED_FROM {
            self.hashed.extend(self.keys.iter().copied());
        }
        true
    }
}

/// An element still open while reading: its last child so far (to link the next one in) and
/// how many prefix bindings were in scope before it.
struct Open {
    index: u32,
    last_child: u32,
    bindings: usize,
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

    /// The namespace URI, for reports; `None` without a namespace or with an undeclared prefix.
    pub fn ns_uri(self) -> Option<&'d str> {
        self.doc.uri(*self.ns())
    }

    pub fn local(self) -> &'d str {
        self.element().local
    }

    pub fn qname(self) -> &'d str {
        self.element().qname
    }

    pub fn text(self) -> &'d str {
        self.doc.str(self.element().text)
    }

    pub fn position(self) -> Position {
        self.element().position
    }

    fn attrs(self) -> &'d [Attr<'a>] {
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
        let doc = self.doc;
        self.attrs().iter().find(|a| a.ns == *ns && a.local == local).map(|a| doc.str(a.value))
    }

    /// Whether any attribute is in namespace `ns`.
    pub fn has_attr_in(self, ns: &Ns) -> bool {
        self.attrs().iter().any(|a| a.ns == *ns)
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

/// Turns byte offsets into line and column, scanning forward once for the whole document:
/// positions are asked for in document order, so the total work stays linear even for a
/// megabyte-long single line.
pub(crate) struct Locator<'a> {
    text: &'a [u8],
    /// An ASCII text has one byte per character, so columns need no counting.
    ascii: bool,
    offset: usize,
    position: Position,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), ascii: text.is_ascii(), offset: 0, position: Position::new(1, 1) }
    }

    pub fn locate(&mut self, offset: u64) -> Position {
        let target = usize::try_from(offset).unwrap_or(usize::MAX).min(self.text.len());
        if target < self.offset {
            self.offset = 0;
            self.position = Position::new(1, 1);
        }
        let skipped = &self.text[self.offset..target];
        // Columns count characters, not bytes: a UTF-8 continuation byte starts no character.
        let ascii = self.ascii;
        let characters = |bytes: &[u8]| {
            if ascii { bytes.len() as u32 } else { bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32 }
        };
        let (mut lines, mut last) = (0, None);
        for newline in memchr::memchr_iter(b'\n', skipped) {
            (lines, last) = (lines + 1, Some(newline));
        }
        match last {
            Some(last) => {
                self.position.line += lines;
                self.position.column = 1 + characters(&skipped[last + 1..]);
            }
            None => self.position.column += characters(skipped),
        }
        self.offset = target;
        self.position
    }
}

/// What one XML event did to the tree.
enum Step {
    /// An element started; `empty` when it also ended (`<x/>`). `mark` is the arena before it.
    Opened { index: u32, empty: bool, mark: Mark },
    /// An element ended.
    Closed,
    /// Text, a comment, a declaration: nothing structural.
    Other,
    /// The end of the input.
    Eof,
}

/// The arena's lengths at some point, to give back everything added after it.
#[derive(Debug, Clone, Copy)]
struct Mark {
    elements: usize,
    attrs: usize,
    owned: usize,
}

/// A child handed out by [`Reader::next_child`], by index (see [`Reader::node`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Child {
    /// The whole subtree is in the arena, until the next call to `next_child`.
    Whole(u32),
    /// Only the element itself (name, attributes) is read: its children come one by one from
    /// the following calls to `next_child`, until one returns `None`.
    Entered(u32),
}

impl Child {
    pub fn index(self) -> u32 {
        match self {
            Child::Whole(index) | Child::Entered(index) => index,
        }
    }
}

/// Reads a document one subtree at a time, enforcing the limits of [`ParseOptions`].
///
/// The builder *enters* the few elements with many children (a process, a diagram's plane)
/// and takes each of their children as a whole subtree, which the next call gives back. The
/// arena therefore only ever holds the entered elements and one child: a large model is read
/// through a few kilobytes that stay in the cache, instead of a tree of many megabytes that
/// must be written, faulted in and read back.
pub(crate) struct Reader<'a> {
    doc: Document<'a>,
    xml: quick_xml::Reader<&'a [u8]>,
    locator: Locator<'a>,
    scopes: Scopes<'a>,
    scratch: Scratch<'a>,
    /// Elements started and not yet ended.
    stack: Vec<Open>,
    /// How many elements at the bottom of `stack` are entered.
    entered: usize,
    /// The last entered element was empty (`<x/>`), so it has no children to hand out.
    entered_empty: bool,
    /// The arena before the last whole child handed out: its room is reclaimed on the next call.
    reclaim: Option<Mark>,
    closed_root: bool,
    max_depth: usize,
    file: Option<&'a std::path::Path>,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str, options: &ParseOptions, file: Option<&'a std::path::Path>) -> Result<Self, Error> {
        if u32::try_from(text.len()).is_err() {
            // Spans in the arena are 32-bit; no BPMN model comes near 4 GiB.
            return Err(Error::TooLarge {
                at: Location { file: file.map(Into::into), position: Position::new(1, 1) },
                size: text.len() as u64,
                limit: u32::MAX.into(),
            });
        }
        let mut xml = quick_xml::Reader::from_str(text);
        xml.config_mut().check_end_names = true;
        Ok(Reader {
            doc: Document { text, elements: Vec::new(), attrs: Vec::new(), owned: Vec::new(), uris: Vec::new() },
            xml,
            locator: Locator::new(text),
            scopes: Scopes::default(),
            scratch: Scratch::default(),
            stack: Vec::new(),
            entered: 0,
            entered_empty: false,
            reclaim: None,
            closed_root: false,
            max_depth: options.max_depth,
            file,
        })
    }

    /// A handle on an element the reader holds: the entered ones, and the last whole child.
    pub fn node(&self, index: u32) -> Node<'_, 'a> {
        Node { doc: &self.doc, index }
    }

    fn at(&self, position: Position) -> Location {
        Location { file: self.file.map(Into::into), position }
    }

    /// The location of a byte offset.
    fn located(&mut self, offset: u64) -> Location {
        let position = self.locator.locate(offset);
        self.at(position)
    }

    /// Reads up to the root element and enters it; it is element 0.
    pub fn root(&mut self) -> Result<Node<'_, 'a>, Error> {
        loop {
            match self.step()? {
                Step::Opened { index, empty, .. } => {
                    self.enter(index, empty);
                    return Ok(self.node(index));
                }
                Step::Closed | Step::Other => {}
                Step::Eof => {
                    let end = self.locator.locate(self.doc.text.len() as u64);
                    return Err(Error::Malformed {
                        at: self.at(end),
                        message: "the document has no root element".into(),
                    });
                }
            }
        }
    }

    /// The prefixes in scope that are bound to the namespace `uri`, innermost first: right after
    /// [`Reader::root`], the ones the root element declares.
    pub fn prefixes_for(&self, uri: &str) -> Vec<&'a str> {
        let bindings = self.scopes.bindings.iter().rev();
        bindings.filter(|(prefix, ns)| !prefix.is_empty() && self.doc.uri(*ns) == Some(uri)).map(|(p, _)| *p).collect()
    }

    /// The next child of the innermost entered element, or `None` when that element ends (it is
    /// then left). `enter` picks, from a child's namespace and local name, whether to enter it
    /// or read it whole.
    pub fn next_child(&mut self, enter: impl Fn(&Ns, &str) -> bool) -> Result<Option<Child>, Error> {
        if let Some(mark) = self.reclaim.take() {
            self.doc.elements.truncate(mark.elements);
            self.doc.attrs.truncate(mark.attrs);
            self.doc.owned.truncate(mark.owned);
            // The parent's child list named the reclaimed element: it lists no child now.
            if let Some(parent) = self.stack.last_mut() {
                self.doc.elements[parent.index as usize].first_child = NONE;
                parent.last_child = NONE;
            }
        }
        if self.entered_empty {
            self.entered_empty = false;
            self.leave();
            return Ok(None);
        }
        let depth = self.entered;
        loop {
            match self.step()? {
                Step::Opened { index, empty, mark } if self.stack.len() == depth + usize::from(!empty) => {
                    let element = &self.doc.elements[index as usize];
                    if enter(&element.ns, element.local) {
                        self.enter(index, empty);
                        return Ok(Some(Child::Entered(index)));
                    }
                    if !empty {
                        self.skip_to_depth(depth)?;
                    }
                    self.reclaim = Some(mark);
                    return Ok(Some(Child::Whole(index)));
                }
                Step::Closed if self.stack.len() < depth => {
                    self.entered -= 1;
                    return Ok(None);
                }
                Step::Opened { .. } | Step::Closed | Step::Other => {}
                Step::Eof => return Err(self.unclosed()),
            }
        }
    }

    /// Reads the rest of the document after the root element ended, and hands back the whole
    /// tree the reader still holds (all of it when every element was entered).
    pub fn finish(mut self) -> Result<Document<'a>, Error> {
        while self.entered > 0 {
            while self.next_child(|_, _| false)?.is_some() {}
        }
        loop {
            match self.step()? {
                Step::Eof => return Ok(self.doc),
                Step::Opened { .. } | Step::Closed | Step::Other => {}
            }
        }
    }

    fn enter(&mut self, index: u32, empty: bool) {
        if empty {
            // An empty element is never on the stack; it stands there until it is left.
            self.stack.push(Open { index, last_child: NONE, bindings: self.scopes.bindings.len() });
            self.entered_empty = true;
        }
        self.entered += 1;
    }

    fn leave(&mut self) {
        self.stack.pop();
        self.entered -= 1;
    }

    /// Reads on until the stack is back at `depth`: the rest of a whole child.
    fn skip_to_depth(&mut self, depth: usize) -> Result<(), Error> {
        while self.stack.len() > depth {
            if let Step::Eof = self.step()? {
                return Err(self.unclosed());
            }
        }
        Ok(())
    }

    fn unclosed(&mut self) -> Error {
        let end = self.locator.locate(self.doc.text.len() as u64);
        match self.stack.last() {
            Some(open) => {
                let open = self.doc.elements[open.index as usize];
                Error::Malformed {
                    at: self.at(end),
                    message: format!(
                        "the document ends before `</{}>` closes the element opened at {}",
                        open.qname, open.position
                    ),
                }
            }
            None => Error::Malformed { at: self.at(end), message: "the document ends unexpectedly".into() },
        }
    }

    /// Adds the element `e` starts to the arena.
    fn opened(&mut self, e: &BytesStart<'_>, start: u64, empty: bool) -> Result<Step, Error> {
        let mark = Mark { elements: self.doc.elements.len(), attrs: self.doc.attrs.len(), owned: self.doc.owned.len() };
        let bindings = self.scopes.bindings.len();
        let position = self.locator.locate(start);
        let file = self.file;
        let at = |position| Location { file: file.map(Into::into), position };
        let index = open(
            &mut self.doc,
            &mut self.stack,
            &mut self.scopes,
            &mut self.scratch,
            e,
            position,
            &at,
            self.max_depth,
        )?;
        if empty {
            self.scopes.bindings.truncate(bindings);
            self.closed_root |= self.stack.is_empty();
        } else {
            self.stack.push(Open { index, last_child: NONE, bindings });
        }
        Ok(Step::Opened { index, empty, mark })
    }

    /// Reads one event into the arena.
    fn step(&mut self) -> Result<Step, Error> {
        let start = self.xml.buffer_position();
        let event = match self.xml.read_event() {
            Ok(event) => event,
            Err(err) => {
                let position = self.locator.locate(self.xml.error_position());
                return Err(xml_error(err, self.at(position)));
            }
        };
        Ok(match event {
            Event::Start(_) | Event::Empty(_) if self.closed_root => {
                return Err(Error::Malformed {
                    at: self.located(start),
                    message: "a second root element; a document has exactly one".into(),
                });
            }
            Event::Start(e) => self.opened(&e, start, false)?,
            Event::Empty(e) => self.opened(&e, start, true)?,
            Event::End(_) => {
                // check_end_names guarantees a matching open element.
                if let Some(open) = self.stack.pop() {
                    self.scopes.bindings.truncate(open.bindings);
                }
                self.closed_root |= self.stack.is_empty();
                Step::Closed
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match self.stack.last() {
                    Some(open) => self.doc.push_text(open.index, &content, false),
                    None if is_blank(&content) => {}
                    None => {
                        return Err(Error::Malformed {
                            at: self.located(start),
                            message: "text outside the root element".into(),
                        });
                    }
                }
                Step::Other
            }
            Event::CData(c) => {
                if let Some(open) = self.stack.last() {
                    self.doc.push_text(open.index, &c.xml10_content(), false);
                }
                Step::Other
            }
            Event::GeneralRef(r) => {
                let position = self.locator.locate(start);
                let resolved = resolve_reference(&r, &self.at(position))?;
                if let Some(open) = self.stack.last() {
                    self.doc.push_text(open.index, &resolved, true);
                }
                Step::Other
            }
            Event::DocType(_) => return Err(Error::Doctype { at: self.located(start) }),
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding() {
                    let name = encoding.to_ascii_lowercase();
                    // The text is already UTF-8; a declaration of ASCII (a subset) or of any other
                    // encoding is harmless as long as every character is ASCII.
                    let compatible = matches!(name.as_str(), "utf-8" | "utf8") || self.doc.text.is_ascii();
                    if !compatible {
                        return Err(Error::Encoding {
                            at: self.located(start),
                            detail: format!("the declaration says encoding=\"{encoding}\""),
                        });
                    }
                }
                Step::Other
            }
            Event::Comment(_) | Event::PI(_) => Step::Other,
            Event::Eof => Step::Eof,
        })
    }
}

/// Reads a whole document into one tree (every element entered), for callers that want to
/// walk it freely.
#[cfg(test)]
pub(crate) fn read<'a>(text: &'a str, options: &ParseOptions) -> Result<Document<'a>, Error> {
    let mut reader = Reader::new(text, options, None)?;
    reader.root()?;
    let mut open = 1;
    while open > 0 {
        match reader.next_child(|_, _| true)? {
            Some(_) => open += 1,
            None => open -= 1,
        }
    }
    reader.finish()
}

/// Appends the element that `start` opens as the last child of the innermost open element,
/// its namespace declarations added to `scopes` and its names resolved against them.
#[allow(clippy::too_many_arguments)]
fn open<'a, F>(
    doc: &mut Document<'a>,
    stack: &mut [Open],
    scopes: &mut Scopes<'a>,
    scratch: &mut Scratch<'a>,
    start: &BytesStart<'_>,
    position: Position,
    at: &F,
    max_depth: usize,
) -> Result<u32, Error>
where
    F: Fn(Position) -> Location,
{
    if stack.len() >= max_depth {
        return Err(Error::TooDeep { at: at(position), limit: max_depth });
    }
    let not_in_input = || Error::Malformed { at: at(position), message: "a name is not part of the document".into() };
    // Declarations may follow the attributes that use them, so attributes wait in
    // `scratch.pending` until the whole tag is read.
    scratch.clear();
    // quick-xml's own duplicate check allocates for every tag; `scratch` is reused.
    for attr in start.attributes().with_checks(false) {
        let attr = attr.map_err(|err| Error::Malformed { at: at(position), message: err.to_string() })?;
        // Fast path for the common case: a value without references or line breaks is its own
        // normalized form, and a span of the input.
        let raw: &str = &attr.value;
        // (Values are short: a plain loop beats setting up a SIMD search.)
        let needs_work = raw.bytes().any(|b| b == b'&' || (b'\t'..=b'\r').contains(&b));
        let value = if needs_work {
            let normalized =
                attr.normalized_value(XmlVersion::Implicit1_0).map_err(|err| escape_error(err, at(position)))?;
            doc.intern(&normalized)
        } else {
            doc.intern(raw)
        };
        let key = doc.input(attr.key.as_ref()).ok_or_else(not_in_input)?;
        if !scratch.is_new(key) {
            return Err(Error::Malformed {
                at: at(position),
                message: format!("attribute `{key}` appears twice in one element"),
            });
        }
        match key.strip_prefix("xmlns") {
            Some(rest) if rest.is_empty() || rest.starts_with(':') => {
                let uri = doc.str(value).to_owned();
                let ns = doc.namespace(&uri);
                scopes.bindings.push((rest.trim_start_matches(':'), ns));
            }
            _ => scratch.pending.push((key, value)),
        }
    }
    let first_attr = doc.attrs.len() as u32;
    for &(key, value) in scratch.pending.iter() {
        let (ns, local_from) = scopes.resolve(doc, key, true);
        doc.attrs.push(Attr { ns, local: &key[local_from..], value });
    }
    let qname = doc.input(start.name().as_ref()).ok_or_else(not_in_input)?;
    let (ns, local_from) = scopes.resolve(doc, qname, false);
    let index = doc.elements.len() as u32;
    let element = Element {
        ns,
        qname,
        local: &qname[local_from..],
        attrs: (first_attr, doc.attrs.len() as u32),
        first_child: NONE,
        next_sibling: NONE,
        text: Str::EMPTY,
        position,
    };
    doc.elements.push(element);
    if let Some(parent) = stack.last_mut() {
        if parent.last_child == NONE {
            doc.elements[parent.index as usize].first_child = index;
        } else {
            doc.elements[parent.last_child as usize].next_sibling = index;
        }
        parent.last_child = index;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document<'_> {
        read(text, &ParseOptions::default()).expect("well-formed")
    }

    #[test]
    fn text_is_joined_across_entities_and_cdata() {
        let d = doc("<r><a>x &amp; y</a><b> <![CDATA[<c>]]> &lt;d</b><c>&#65;BC</c><e>  </e></r>");
        let texts: Vec<&str> = d.root().children().map(|c| c.text()).collect();
        assert_eq!(texts, ["x & y", "<c> <d", "ABC", ""]);
    }

    #[test]
    fn values_with_escapes_and_line_breaks_are_normalized() {
        let d = doc("<r a=\"1 &lt; 2\" b=\"x\ny\" c='plain' />");
        let root = d.root();
        assert_eq!((root.attr("a"), root.attr("b"), root.attr("c")), (Some("1 < 2"), Some("x y"), Some("plain")));
    }

    #[test]
    fn namespaces_known_other_and_undeclared() {
        let d =
            doc(r#"<r xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:v="urn:vendor" xmlns:w="urn:vendor">
            <v:one v:flag="on" /><w:two /><u:three /></r>"#);
        let root = d.root();
        assert_eq!((*root.ns(), root.ns_uri()), (Ns::Bpmn, Some(BPMN_NS)));
        let children: Vec<Node<'_, '_>> = root.children().collect();
        // Two prefixes bound to one URI are one namespace.
        assert_eq!(children[0].ns(), children[1].ns());
        assert_eq!(children[0].ns_uri(), Some("urn:vendor"));
        assert_eq!(children[0].attr_ns(children[0].ns(), "flag"), Some("on"));
        assert!(children[0].has_attr_in(children[1].ns()));
        assert!(matches!(children[2].ns(), Ns::Undeclared(_)));
        assert_eq!((children[2].qname(), children[2].local(), children[2].ns_uri()), ("u:three", "three", None));
    }

    #[test]
    fn prefixes_follow_xml_scoping() {
        let d = doc(r#"<b:r b:a="1" xmlns:b="http://www.omg.org/spec/BPMN/20100524/MODEL">
            <b:x xmlns:b="urn:inner"><b:y /></b:x>
            <b:z xml:lang="en" xmlns="urn:default"><plain /><none xmlns="" /></b:z>
        </b:r>"#);
        let root = d.root();
        // A declaration later in the same tag applies to the names before it.
        assert_eq!((*root.ns(), root.attr_ns(&Ns::Bpmn, "a")), (Ns::Bpmn, Some("1")));
        let [x, z]: [Node<'_, '_>; 2] = root.children().collect::<Vec<_>>().try_into().ok().unwrap();
        let y = x.children().next().unwrap();
        // A nested redeclaration holds for that element's subtree only.
        assert_eq!((x.ns_uri(), y.ns_uri(), *z.ns()), (Some("urn:inner"), Some("urn:inner"), Ns::Bpmn));
        // `xml:` needs no declaration.
        assert!(matches!(z.attrs()[0].ns, Ns::Other(i) if d.uris[i as usize] == XML_NS));
        let [plain, none]: [Node<'_, '_>; 2] = z.children().collect::<Vec<_>>().try_into().ok().unwrap();
        assert_eq!((plain.ns_uri(), *none.ns()), (Some("urn:default"), Ns::None));
    }

    #[test]
    fn the_prefixes_of_a_namespace_are_the_roots_declarations() {
        let text =
            r#"<r xmlns="urn:t" xmlns:tns="urn:t" xmlns:x="urn:x" xmlns:again="urn:t"><c xmlns:inner="urn:t" /></r>"#;
        let mut reader = Reader::new(text, &ParseOptions::default(), None).unwrap();
        reader.root().unwrap();
        // The default namespace names no prefix; innermost (last declared) first.
        assert_eq!(reader.prefixes_for("urn:t"), ["again", "tns"]);
        assert_eq!(reader.prefixes_for("urn:none"), Vec::<&str>::new());
    }

    #[test]
    fn entered_elements_hand_out_whole_children_one_at_a_time() {
        let text = "<r><p><a x='1'><b/></a><c/><q/></p><d>text</d></r>";
        let mut reader = Reader::new(text, &ParseOptions::default(), None).unwrap();
        reader.root().unwrap();
        let enter = |_: &Ns, local: &str| local == "p" || local == "q";
        let Some(Child::Entered(p)) = reader.next_child(enter).unwrap() else { panic!("p is entered") };
        assert_eq!(reader.node(p).local(), "p");
        let (mut seen, mut largest) = (Vec::new(), 0);
        while let Some(child) = reader.next_child(enter).unwrap() {
            let node = reader.node(child.index());
            seen.push((node.local().to_owned(), node.children().count(), matches!(child, Child::Entered(_))));
            largest = largest.max(reader.doc.elements.len());
            if let Child::Entered(_) = child {
                // `<q/>` is empty: entering it yields no child, and leaves it.
                assert!(reader.next_child(enter).unwrap().is_none());
            }
        }
        assert_eq!(seen, [("a".into(), 1, false), ("c".into(), 0, false), ("q".into(), 0, true)]);
        // The root, `p`, and one child's subtree: the arena never holds more.
        assert_eq!(largest, 4);
        let Some(Child::Whole(d)) = reader.next_child(enter).unwrap() else { panic!("d is whole") };
        assert_eq!(reader.node(d).text(), "text");
        assert!(reader.next_child(enter).unwrap().is_none());
        reader.finish().unwrap();
    }

    #[test]
    fn an_element_left_open_inside_an_entered_one_is_an_error() {
        let mut reader = Reader::new("<r>\n<p><a>", &ParseOptions::default(), None).unwrap();
        reader.root().unwrap();
        let Err(Error::Malformed { at, message }) =
            reader.next_child(|_, local| local == "p").and_then(|_| reader.next_child(|_, _| false))
        else {
            panic!("an unclosed element is malformed")
        };
        assert_eq!((at.position.line, message.contains("`</a>`")), (2, true), "{message}");
    }

    #[test]
    fn an_attribute_given_twice_is_refused_however_many_there_are() {
        for count in [1, 40] {
            let others: String = (0..count).map(|i| format!(" a{i}='{i}'")).collect();
            let text = format!("<r>\n  <e{others} a0='again' /></r>");
            let Err(Error::Malformed { at, message }) = read(&text, &ParseOptions::default()) else {
                panic!("a duplicate among {count} attributes is malformed")
            };
            assert_eq!((at.position.line, at.position.column), (2, 3));
            assert_eq!(message, "attribute `a0` appears twice in one element");
        }
        // Many distinct attributes are fine.
        let many: String = (0..40).map(|i| format!(" a{i}='{i}'")).collect();
        assert_eq!(doc(&format!("<r{many}/>")).root().attr("a39"), Some("39"));
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let d = doc("<r>\n  <a/><é-name é=\"é\"/><b/>\n\n<c/></r>");
        let positions: Vec<(u32, u32)> =
            d.root().children().map(|c| (c.position().line, c.position().column)).collect();
        // Columns count characters: `é` is two bytes, one column.
        assert_eq!(positions, [(2, 3), (2, 7), (2, 22), (4, 1)]);
    }
}
