//! Colours: bpmn-js's defaults, the modeler's colours from the file, then the overlay's.

use baton_engine::model::{Colors, Label};

use super::overlay::Status;

/// bpmn-js's default outline and text colour.
pub(crate) const STROKE: &str = "hsl(225,10%,15%)";
/// bpmn-js's default fill.
pub(crate) const FILL: &str = "white";
/// Outline of executed elements.
pub(crate) const EXECUTED: &str = "#2e7d32";
/// Outline of elements with an incident.
pub(crate) const INCIDENT: &str = "#d32f2f";
/// Fill of elements with an incident.
pub(crate) const INCIDENT_FILL: &str = "#ffebee";
/// Token markers where instances wait.
pub(crate) const TOKEN: &str = "#1565c0";
/// Opacity of elements no run executed.
pub(crate) const DIMMED: &str = "0.35";

/// A colour from the file, if it is a plain colour: `#hex`, a name, `rgb()`/`hsl()` and the like.
///
/// Anything else (`url(...)`, `var(...)`, stray quotes) is dropped, so a colour can neither
/// reference something outside the SVG nor break out of its attribute.
pub(crate) fn safe_colour(colour: Option<&str>) -> Option<&str> {
    let colour = colour?.trim();
    let plain = colour.chars().all(|c| c.is_ascii_alphanumeric() || "#(),.% -".contains(c));
    let lower = colour.to_ascii_lowercase();
    let referencing = lower.contains("url") || lower.contains("var") || lower.contains("expression");
    (!colour.is_empty() && colour.len() <= 64 && plain && !referencing).then_some(colour)
}

/// The colours one element is drawn with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paint {
    /// Outline, icons and markers.
    pub stroke: String,
    /// Inside of shapes.
    pub fill: String,
    /// Label text.
    pub text: String,
}

impl Paint {
    /// bpmn-js's colours, overridden by the modeler's (`bioc:`/`color:`), then by the overlay.
    ///
    /// `container` elements (expanded sub-processes) keep their fill under a heat map: a big
    /// coloured area would hide what is inside.
    pub(crate) fn new(colours: &Colors, label: Option<&Label>, status: &Status, container: bool) -> Self {
        let stroke = safe_colour(colours.stroke.as_deref());
        let text = label.and_then(|l| safe_colour(l.color.as_deref())).or(stroke).unwrap_or(STROKE);
        let mut paint = Paint {
            stroke: stroke.unwrap_or(STROKE).to_owned(),
            fill: safe_colour(colours.fill.as_deref()).unwrap_or(FILL).to_owned(),
            text: text.to_owned(),
        };
        if status.executed {
            paint.stroke = EXECUTED.to_owned();
            if let (Some(t), false) = (status.heat, container) {
                paint.fill = heat_colour(t);
            }
        }
        if status.incident {
            paint.stroke = INCIDENT.to_owned();
            if !container {
                paint.fill = INCIDENT_FILL.to_owned();
            }
        }
        paint
    }
}

/// The heat-map fill for `t` in 0..=1: a pale green for rarely executed, a strong green for the
/// most executed (text stays readable on both).
pub(crate) fn heat_colour(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let lerp = |a: f64, b: f64| super::geometry::num(a + (b - a) * t);
    format!("hsl({},{}%,{}%)", lerp(110.0, 130.0), lerp(60.0, 50.0), lerp(90.0, 55.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_colours_pass() {
        assert_eq!(safe_colour(Some("#1e88e5")), Some("#1e88e5"));
        assert_eq!(safe_colour(Some(" rgb(1, 2, 3) ")), Some("rgb(1, 2, 3)"));
        assert_eq!(safe_colour(Some("url(http://x/y)")), None);
        assert_eq!(safe_colour(Some("red\" onload=\"x")), None);
        assert_eq!(safe_colour(Some("")), None);
    }

    #[test]
    fn heat_goes_from_pale_to_strong() {
        assert_eq!(heat_colour(0.0), "hsl(110,60%,90%)");
        assert_eq!(heat_colour(1.0), "hsl(130,50%,55%)");
    }
}
