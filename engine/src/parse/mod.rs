//! BPMN XML → [`Definitions`], with positions, safely.
//!
//! ```
//! let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!   <process id="hello" isExecutable="true">
//!     <startEvent id="start"><outgoing>f</outgoing></startEvent>
//!     <sequenceFlow id="f" sourceRef="start" targetRef="end" />
//!     <endEvent id="end"><incoming>f</incoming></endEvent>
//!   </process>
//! </definitions>"#;
//! let definitions = baton_engine::parse::parse(xml)?;
//! let process = definitions.process("hello").unwrap();
//! assert_eq!(process.nodes.len(), 2);
//! assert_eq!(process.flows[0].target, "end");
//! # Ok::<(), baton_engine::Error>(())
//! ```
//!
//! Safety: no DTD is ever loaded and no entity beyond XML's five predefined ones is expanded
//! (a DOCTYPE is refused outright, which also stops "billion laughs"); documents over
//! [`ParseOptions::max_bytes`] and elements nested deeper than [`ParseOptions::max_depth`] are
//! refused before they can exhaust memory or stack.

mod build;
mod xml;

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Location};
use crate::model::{Definitions, Position};

/// Limits applied while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Largest document accepted, in bytes. Default: 32 MiB.
    pub max_bytes: u64,
    /// Deepest element nesting accepted. Default: 256.
    pub max_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self { max_bytes: 32 * 1024 * 1024, max_depth: 256 }
    }
}

/// Parses a BPMN document held in memory, with the default limits.
pub fn parse(text: &str) -> Result<Definitions, Error> {
    parse_with(text, &ParseOptions::default(), None)
}

/// Parses a BPMN document held in memory; `file` names it in errors and in the model.
pub fn parse_with(text: &str, options: &ParseOptions, file: Option<&Path>) -> Result<Definitions, Error> {
    let size = text.len() as u64;
    if size > options.max_bytes {
        return Err(Error::TooLarge {
            at: Location { file: file.map(Into::into), position: Position::new(1, 1) },
            size,
            limit: options.max_bytes,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    build::definitions(xml::Reader::new(text, options, file)?, file)
}

/// Reads and parses a BPMN file with the default limits.
pub fn parse_file(path: impl AsRef<Path>) -> Result<Definitions, Error> {
    parse_file_with(path, &ParseOptions::default())
}

/// Reads and parses a BPMN file. The size limit is checked before the file is read whole.
pub fn parse_file_with(path: impl AsRef<Path>, options: &ParseOptions) -> Result<Definitions, Error> {
    let path = path.as_ref();
    let io = |source| Error::Io { path: path.into(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit: enough to know the file is too large, never more.
    file.take(options.max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > options.max_bytes {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(bytes.len() as u64);
        return Err(Error::TooLarge {
            at: Location { file: Some(path.into()), position: Position::new(1, 1) },
            size,
            limit: options.max_bytes,
        });
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&err.as_bytes()[..offset]).into_owned();
        let position = xml::Locator::new(&valid).locate(offset as u64);
        Error::Encoding {
            at: Location { file: Some(path.into()), position },
            detail: format!("invalid UTF-8 byte 0x{:02x}", err.as_bytes()[offset]),
        }
    })?;
    parse_with(&text, options, Some(path))
}
