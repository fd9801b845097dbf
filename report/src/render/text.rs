//! Labels: how wide text is in Arial, how it wraps, and where its lines go.
//!
//! There is no font engine here: widths come from Arial's (Helvetica's) advance widths, which is
//! what bpmn-js measures in a browser, so labels wrap where the modeler wrapped them.

use std::collections::hash_map::DefaultHasher;
use std::fmt;

use baton_engine::model::Bounds;
use svg::Node as _;
use svg::node::element::{Element, TSpan};

use super::geometry::num;

/// Font size of labels inside shapes (tasks, sub-processes, pools, annotations).
pub(crate) const INNER_SIZE: f64 = 12.0;
/// Font size of labels outside shapes (events, gateways, flows, data), as bpmn-js draws them.
pub(crate) const OUTER_SIZE: f64 = 11.0;
/// Width an outside label wraps to, as in bpmn-js.
pub(crate) const OUTER_WIDTH: f64 = 90.0;
/// Line height as a multiple of the font size.
const LINE_HEIGHT: f64 = 1.2;
/// Where a line's baseline sits below its top, as a fraction of the line height: bpmn-js
/// (diagram-js `Text.layoutText`) starts a quarter line up and moves down one line height.
const BASELINE: f64 = 0.75;
/// How much wider than its box a word may measure, in ems, and still be kept whole there. A DI
/// label box is as wide as the modeler measured the text, with kerning, rounded up; Baton's
/// table has no kerning, so "Yes" measures 18.95 here where Chrome measures 17.94 and the box is
/// 18. One strong kerning pair is about a tenth of an em.
const KERNING_SLACK: f64 = 0.1;
/// The font stack: Arial where there is one, a look-alike elsewhere.
pub(crate) const FONT: &str = "Arial, Helvetica, sans-serif";

/// Advance widths of ASCII 32..=126 in Arial, in thousandths of an em.
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0'..'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P'..'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`'..'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];

/// How wide `c` is at `size` pixels.
fn char_width(c: char, size: f64) -> f64 {
    let code = u32::from(c);
    let thousandths = match code {
        32..=126 => ASCII_WIDTHS.get((code - 32) as usize).copied().map_or(556.0, f64::from),
        // CJK, Hangul and full-width forms take a whole em.
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 => 1000.0,
        _ => 556.0,
    };
    thousandths * size / 1000.0
}

/// How wide `text` is at `size` pixels.
pub(crate) fn width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| char_width(c, size)).sum()
}

/// `text` broken into lines no wider than `max` (words that are wider alone are cut, unless
/// kerning would make them fit).
pub(crate) fn wrap(text: &str, max: f64, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = cut_long_word(word, max, size, &mut lines);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Pushes pieces of `word` that fit to `lines` and returns the rest, which starts a new line.
///
/// Cut as bpmn-js cuts: keep about as many characters as the width allows, less one, and again
/// until the piece fits (so "Warehouse" in 52 becomes "Warehou" and "se", as the modeler shows).
fn cut_long_word(word: &str, max: f64, size: f64, lines: &mut Vec<String>) -> String {
    let mut rest: Vec<char> = word.chars().collect();
    if width(word, size) <= max + KERNING_SLACK * size {
        return word.to_owned();
    }
    loop {
        let mut keep = rest.len();
        let mut piece_width = width(&rest.iter().collect::<String>(), size);
        while keep >= 2 && piece_width > max {
            let estimate = (keep as f64 * max / piece_width - 1.0).round();
            keep = if estimate >= 1.0 { (estimate as usize).min(keep - 1) } else { 1 };
            piece_width = rest.iter().take(keep).map(|c| char_width(*c, size)).sum();
        }
        if keep == rest.len() {
            return rest.into_iter().collect();
        }
        lines.push(rest.drain(..keep).collect());
    }
}

/// Where a label sits in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Centred both ways (tasks, collapsed pools).
    CentreMiddle,
    /// Centred horizontally, from the top (outside labels, expanded sub-processes).
    CentreTop,
    /// From the left, centred vertically (text annotations).
    LeftMiddle,
}

/// How a label is written.
#[derive(Debug, Clone)]
pub(crate) struct Style<'a> {
    /// Font size in pixels.
    pub size: f64,
    /// Text colour.
    pub colour: &'a str,
    /// Space kept free inside the box on each side.
    pub padding: f64,
    /// Width to wrap to; the box width less padding when `None`.
    pub wrap_width: Option<f64>,
}

/// A `<text>` with one `<tspan>` per wrapped line, or `None` when there is nothing to write.
pub(crate) fn label(text: &str, area: Bounds, align: Align, style: &Style<'_>) -> Option<Element> {
    let max = style.wrap_width.unwrap_or(area.width - 2.0 * style.padding).max(style.size);
    let lines = wrap(&xml_text(text), max, style.size);
    if lines.is_empty() {
        return None;
    }
    let line_height = style.size * LINE_HEIGHT;
    let total = line_height * lines.len() as f64;
    let top = match align {
        Align::CentreMiddle | Align::LeftMiddle => area.y + (area.height - total) / 2.0,
        Align::CentreTop => area.y + style.padding,
    };
    let (x, anchor) = match align {
        Align::CentreMiddle | Align::CentreTop => (area.x + area.width / 2.0, "middle"),
        Align::LeftMiddle => (area.x + style.padding, "start"),
    };
    let mut element = text_element();
    element.assign("class", "baton-label");
    element.assign("font-family", FONT);
    element.assign("font-size", num(style.size));
    element.assign("fill", style.colour);
    element.assign("text-anchor", anchor);
    for (i, line) in lines.into_iter().enumerate() {
        let baseline = top + (i as f64 + BASELINE) * line_height;
        element.append(Inline(TSpan::new(line).set("x", num(x)).set("y", num(baseline)).into()));
    }
    Some(element)
}

/// Text without the control characters XML 1.0 forbids; the svg crate escapes the rest
/// (`<`, `>`, `&` everywhere, quotes in attributes).
pub(crate) fn xml_text(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect()
}

/// An empty `<text>`.
///
/// Built as a plain element because the svg crate writes its `Text` with every child on its own
/// line, which puts whitespace into the drawn text.
pub(crate) fn text_element() -> Element {
    Element::new("text")
}

/// An element written right after the one before it, with no line break in between.
///
/// Whitespace between the `<tspan>`s of a `<text>` is drawn as a space at the end of the line
/// before, which moves a centred line half a space to the left; the svg crate puts a line break
/// before every child that is not bare, so the lines are marked bare.
#[derive(Debug, Clone)]
struct Inline(Element);

impl fmt::Display for Inline {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

impl svg::Node for Inline {
    fn get_name(&self) -> &str {
        self.0.get_name()
    }

    fn is_bare(&self) -> bool {
        true
    }
}

impl svg::node::NodeDefaultHash for Inline {
    fn default_hash(&self, state: &mut DefaultHasher) {
        self.0.default_hash(state);
    }
}

/// The height of `lines` lines at `size`.
pub(crate) fn lines_height(lines: usize, size: f64) -> f64 {
    lines as f64 * size * LINE_HEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries_like_the_modeler() {
        assert_eq!(wrap("Book express courier", 90.0, 12.0), vec!["Book express", "courier"]);
        assert_eq!(wrap("Pay item", 90.0, 12.0), vec!["Pay item"]);
        assert_eq!(wrap("  ", 90.0, 12.0), Vec::<String>::new());
    }

    #[test]
    fn cuts_words_wider_than_the_box() {
        let lines = wrap("Supercalifragilisticexpialidocious", 60.0, 12.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 12.0) <= 60.0));
        assert_eq!(lines.concat(), "Supercalifragilisticexpialidocious");
    }

    #[test]
    fn cuts_words_where_bpmn_js_does() {
        assert_eq!(wrap("Warehouse", 52.0, 11.0), vec!["Warehou", "se"]);
        assert_eq!(wrap("Refund", 33.0, 11.0), vec!["Refun", "d"]);
        assert_eq!(wrap("Card declined", 67.0, 11.0), vec!["Card", "declined"]);
    }

    #[test]
    fn words_that_fit_with_kerning_are_kept_whole() {
        // 18.95 wide by the table; the modeler measured it kerned (17.94) and made its box 18 wide.
        assert_eq!(wrap("Yes", 18.0, 11.0), vec!["Yes"]);
        assert_eq!(wrap("else", 20.0, 11.0), vec!["else"]);
    }

    #[test]
    fn explicit_line_breaks_are_kept() {
        assert_eq!(wrap("a\nb", 90.0, 12.0), vec!["a", "b"]);
    }
}
