//! What runs did to each element (executed, how often, waiting, incident), and the badges that say so.

use baton_engine::model::Bounds;
use svg::Node as _;
use svg::node::element::{Circle, Element, Group, Rectangle};

use super::Overlay;
use super::geometry::num;
use super::paint::{EXECUTED, INCIDENT, TOKEN};
use super::text::{FONT, text_element, width};

/// Which overlay map an element is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracked {
    /// A flow node: `Overlay::nodes`.
    Node,
    /// A sequence flow: `Overlay::flows`.
    Flow,
    /// Pools, lanes, data, artifacts, message flows: never executed, never dimmed.
    Other,
}

/// What the overlay says about one element.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Status {
    /// Executed, dimmed and the rest are only said when there is an overlay.
    pub with_overlay: bool,
    /// A flow node or sequence flow: one that is either executed or not.
    pub tracked: bool,
    /// Hit by a run, or an instance waits there, or an incident is there.
    pub executed: bool,
    /// How often it was hit.
    pub count: u64,
    /// Heat in 0..=1 when the overlay is a heat map and the element was executed.
    pub heat: Option<f64>,
    /// An instance waits here.
    pub waiting: bool,
    /// An incident is here.
    pub incident: bool,
}

impl Status {
    /// The overlay's classes, each with a leading space: ` baton-executed baton-waiting`.
    pub(crate) fn classes(&self) -> String {
        let mut classes = String::new();
        if self.with_overlay && self.tracked {
            classes.push_str(if self.executed { " baton-executed" } else { " baton-unexecuted" });
        }
        if self.waiting {
            classes.push_str(" baton-waiting");
        }
        if self.incident {
            classes.push_str(" baton-incident");
        }
        classes
    }

    /// Whether the element is drawn faint: a flow node or flow no run executed.
    pub(crate) fn dimmed(&self) -> bool {
        self.with_overlay && self.tracked && !self.executed
    }

    /// What the hover title adds: `executed 3 times`, `waiting`, `incident`.
    pub(crate) fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.count > 0 {
            parts.push(if self.count == 1 {
                "executed once".to_owned()
            } else {
                format!("executed {} times", self.count)
            });
        } else if self.with_overlay && self.tracked && !self.executed {
            parts.push("not executed".to_owned());
        }
        if self.waiting {
            parts.push("an instance waits here".to_owned());
        }
        if self.incident {
            parts.push("incident".to_owned());
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Looks elements up in an overlay, with the largest counts for the heat scale.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Highlight<'a> {
    overlay: Option<&'a Overlay>,
    max_node: u64,
    max_flow: u64,
}

impl<'a> Highlight<'a> {
    /// A lookup into `overlay` (none: every element plain).
    pub(crate) fn new(overlay: Option<&'a Overlay>) -> Self {
        let max = |m: Option<&std::collections::BTreeMap<String, u64>>| {
            m.and_then(|m| m.values().copied().max()).unwrap_or(0)
        };
        Self { overlay, max_node: max(overlay.map(|o| &o.nodes)), max_flow: max(overlay.map(|o| &o.flows)) }
    }

    /// The status of the element `id`.
    pub(crate) fn status(&self, id: &str, tracked: Tracked) -> Status {
        let Some(overlay) = self.overlay else { return Status::default() };
        let (counts, max) = match tracked {
            Tracked::Node => (Some(&overlay.nodes), self.max_node),
            Tracked::Flow => (Some(&overlay.flows), self.max_flow),
            Tracked::Other => (None, 0),
        };
        let count = counts.and_then(|c| c.get(id)).copied();
        let waiting = tracked == Tracked::Node && overlay.waiting.contains(id);
        let incident = tracked == Tracked::Node && overlay.incidents.contains(id);
        // Where an instance waits or failed was reached, even if no count says so.
        let executed = count.is_some() || waiting || incident;
        let count = count.unwrap_or(0);
        let heat = (overlay.heat && executed).then(|| heat(count, max));
        Status { with_overlay: true, tracked: tracked != Tracked::Other, executed, count, heat, waiting, incident }
    }
}

/// Heat on a logarithmic scale, so that one loop run a thousand times does not wash out the
/// rest: 0 for a count of 0, 1 for the largest count.
fn heat(count: u64, max: u64) -> f64 {
    if max == 0 {
        return 0.0;
    }
    ((count as f64) + 1.0).ln() / ((max as f64) + 1.0).ln()
}

/// The outline of a shape, which decides where its badges sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outline {
    /// Activities, pools, data: badges on the corners.
    Box,
    /// Events: badges on the circle, at 45°.
    Round,
    /// Gateways: badges halfway along the diamond's edges.
    Diamond,
}

impl Outline {
    /// The top-right, bottom-left and bottom-right points badges are centred on.
    fn anchors(self, b: &Bounds) -> [(f64, f64); 3] {
        let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
        let (dx, dy) = match self {
            Outline::Box => (b.width / 2.0, b.height / 2.0),
            Outline::Round => {
                (b.width / 2.0 * std::f64::consts::FRAC_1_SQRT_2, b.height / 2.0 * std::f64::consts::FRAC_1_SQRT_2)
            }
            Outline::Diamond => (b.width / 4.0, b.height / 4.0),
        };
        [(cx + dx, cy - dy), (cx - dx, cy + dy), (cx + dx, cy + dy)]
    }
}

/// Badges on a shape: hit count (heat maps) top right, token (waiting) bottom left, `!`
/// (incident) bottom right.
pub(crate) fn badges(status: &Status, b: &Bounds, outline: Outline) -> Option<Group> {
    let [count_at, token_at, incident_at] = outline.anchors(b);
    let mut group = Group::new().set("class", "baton-badges");
    let mut any = false;
    if status.heat.is_some() && status.count > 0 {
        group = group.add(count_badge(status.count, count_at.0, count_at.1));
        any = true;
    }
    if status.waiting {
        let token = Circle::new()
            .set("class", "baton-token")
            .set("cx", num(token_at.0))
            .set("cy", num(token_at.1))
            .set("r", 8)
            .set("fill", TOKEN)
            .set("stroke", "white")
            .set("stroke-width", 2);
        group = group.add(token);
        any = true;
    }
    if status.incident {
        group = group.add(incident_badge(incident_at.0, incident_at.1));
        any = true;
    }
    any.then_some(group)
}

/// A pill with the count, centred on `(x, y)`.
fn count_badge(count: u64, x: f64, y: f64) -> Group {
    let text = count.to_string();
    let w = (width(&text, 10.0) + 10.0).max(18.0);
    Group::new()
        .set("class", "baton-count")
        .add(
            Rectangle::new()
                .set("x", num(x - w / 2.0))
                .set("y", num(y - 9.0))
                .set("width", num(w))
                .set("height", 18)
                .set("rx", 9)
                .set("fill", EXECUTED)
                .set("stroke", "white")
                .set("stroke-width", 1.5),
        )
        .add(badge_text(&text, x, y))
}

/// A red disc with `!`, centred on `(x, y)`.
fn incident_badge(x: f64, y: f64) -> Group {
    Group::new()
        .set("class", "baton-incident-badge")
        .add(
            Circle::new()
                .set("cx", num(x))
                .set("cy", num(y))
                .set("r", 9)
                .set("fill", INCIDENT)
                .set("stroke", "white")
                .set("stroke-width", 1.5),
        )
        .add(badge_text("!", x, y))
}

fn badge_text(text: &str, x: f64, y: f64) -> Element {
    let mut element = text_element();
    for (name, value) in [
        ("x", num(x)),
        ("y", num(y + 3.5)),
        ("font-family", FONT.to_owned()),
        ("font-size", "10".to_owned()),
        ("font-weight", "bold".to_owned()),
        ("fill", "white".to_owned()),
        ("text-anchor", "middle".to_owned()),
    ] {
        element.assign(name, value);
    }
    element.append(svg::node::Text::new(text));
    element
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_is_logarithmic_and_tops_out_at_one() {
        assert_eq!(heat(0, 10), 0.0);
        assert_eq!(heat(10, 10), 1.0);
        assert!(heat(1, 1000) > 0.09);
        assert_eq!(heat(3, 0), 0.0);
    }
}
