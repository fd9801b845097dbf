//! The markers along an activity's bottom edge (loop, multi-instance, compensation, ad-hoc,
//! collapsed), drawn and placed as bpmn-js draws them (`BpmnRenderer`'s `renderTaskMarkers`).

use baton_engine::model::Bounds;
use svg::node::element::Group;

use super::geometry::PathData;
use super::paint::Paint;
use super::paths;
use super::pen::{Pen, path, rect};

/// A marker along the bottom edge of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// Compensation handler: rewind triangles.
    Compensation,
    /// Standard loop: circular arrow.
    Loop,
    /// Parallel multi-instance: three vertical bars.
    Parallel,
    /// Sequential multi-instance: three horizontal bars.
    Sequential,
    /// Collapsed sub-process or call activity: a plus in a box.
    Collapsed,
    /// Ad-hoc sub-process: a tilde.
    AdHoc,
}

/// How far left (negative) or right of the middle of the bottom edge each marker starts.
#[derive(Debug, Clone, Copy)]
struct Offsets {
    sequential: f64,
    parallel: f64,
    compensation: f64,
    looped: f64,
    ad_hoc: f64,
}

impl Offsets {
    /// bpmn-js's offsets for this set of markers: they make room for one another.
    fn of(marks: &[Marker]) -> Self {
        let collapsed = marks.contains(&Marker::Collapsed);
        let ad_hoc = marks.contains(&Marker::AdHoc);
        let looped = marks.iter().any(|m| matches!(m, Marker::Loop | Marker::Parallel | Marker::Sequential));
        let mut o = if collapsed {
            Offsets { sequential: -21.0, parallel: -22.0, compensation: -25.0, looped: -18.0, ad_hoc: 10.0 }
        } else {
            Offsets { sequential: -5.0, parallel: -6.0, compensation: -7.0, looped: 0.0, ad_hoc: -8.0 }
        };
        if ad_hoc && !collapsed {
            o.compensation -= 18.0;
        }
        if looped {
            o.compensation -= 18.0;
            if ad_hoc {
                (o.sequential, o.looped, o.parallel) = (-23.0, -18.0, -24.0);
            }
        }
        if marks == [Marker::Compensation] {
            o.compensation = -8.0;
        }
        o
    }
}

/// Draws `marks` along the bottom edge of `b`.
pub(crate) fn markers(g: Group, marks: &[Marker], b: &Bounds, paint: &Paint) -> Group {
    let offsets = Offsets::of(marks);
    let (cx, bottom) = (b.x + b.width / 2.0, b.y + b.height);
    let stroke = paint.stroke.as_str();
    let outline = |x: f64, y: f64, steps: &str, width: f64, fill: &str| {
        path(PathData::new().relative(x, y, steps), Pen::new(stroke, width), fill).set("stroke-linecap", "round")
    };
    marks.iter().fold(g, |g, mark| match mark {
        Marker::Collapsed => {
            let (x, y) = (cx - 7.5, bottom - 20.0);
            let frame = Bounds { x, y, width: 14.0, height: 14.0 };
            g.add(rect(frame, 0.0, Pen::new(stroke, 1.0), &paint.fill)).add(outline(
                x,
                y,
                paths::MARKER_SUB_PROCESS,
                2.0,
                "none",
            ))
        }
        Marker::Parallel => g.add(outline(cx + offsets.parallel, bottom - 20.0, paths::MARKER_PARALLEL, 2.0, "none")),
        Marker::Sequential => {
            g.add(outline(cx + offsets.sequential, bottom - 19.0, paths::MARKER_SEQUENTIAL, 2.0, "none"))
        }
        Marker::Compensation => {
            g.add(outline(cx + offsets.compensation, bottom - 13.0, paths::MARKER_COMPENSATION, 1.0, &paint.fill))
        }
        Marker::Loop => g.add(
            outline(cx + offsets.looped, bottom - 7.0, paths::MARKER_LOOP, 1.5, "none").set("stroke-miterlimit", "0.5"),
        ),
        Marker::AdHoc => g.add(outline(cx + offsets.ad_hoc, bottom - 15.0, paths::MARKER_ADHOC, 1.0, stroke)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_make_room_for_one_another_as_in_bpmn_js() {
        assert_eq!(Offsets::of(&[Marker::Compensation]).compensation, -8.0);
        assert_eq!(Offsets::of(&[Marker::Compensation, Marker::Loop]).compensation, -25.0);
        let collapsed = Offsets::of(&[Marker::Loop, Marker::Collapsed]);
        assert_eq!((collapsed.looped, collapsed.compensation), (-18.0, -43.0));
    }
}
