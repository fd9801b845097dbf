//! Variables: the `vars!` macro and conversions from your own serde types.

use baton_engine::runtime::Variables;
use serde::Serialize;

/// Variables from `"name": value` pairs; values are anything `serde_json::json!` takes.
///
/// ```
/// use baton_testkit::vars;
/// let price = 12.5;
/// let v = vars! { "item": "coffee", "amount": 25, "tags": ["a", "b"], "total": price * 2.0, "note": null };
/// assert_eq!(v["amount"], 25);
/// assert_eq!(v["total"], 25.0);
/// assert!(vars! {}.is_empty());
/// ```
#[macro_export]
macro_rules! vars {
    () => { $crate::Variables::new() };
    ($($tokens:tt)+) => {{
        let mut variables = $crate::Variables::new();
        $crate::__vars_entries!(variables; $($tokens)+);
        variables
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __vars_entries {
    ($v:ident;) => {};
    ($v:ident; $name:literal : $($rest:tt)*) => { $crate::__vars_value!($v; $name; []; $($rest)*) };
}

/// Collects one value's tokens up to the next top-level comma, then hands them to `json!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __vars_value {
    ($v:ident; $name:literal; [$($value:tt)*];) => {
        $v.insert(::std::string::String::from($name), $crate::__json!($($value)*));
    };
    ($v:ident; $name:literal; [$($value:tt)*]; , $($rest:tt)*) => {
        $v.insert(::std::string::String::from($name), $crate::__json!($($value)*));
        $crate::__vars_entries!($v; $($rest)*);
    };
    ($v:ident; $name:literal; [$($value:tt)*]; $next:tt $($rest:tt)*) => {
        $crate::__vars_value!($v; $name; [$($value)* $next]; $($rest)*)
    };
}

/// The fields of any serializable struct as variables, so a test can pass its own types.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Order { item: String, amount: u32 }
/// let v = baton_testkit::to_vars(&Order { item: "coffee".into(), amount: 25 }).unwrap();
/// assert_eq!(v["item"], "coffee");
/// ```
pub fn to_vars<T: Serialize>(value: &T) -> Result<Variables, serde_json::Error> {
    match serde_json::to_value(value)? {
        serde_json::Value::Object(map) => Ok(map.into_iter().collect()),
        other => Err(serde::ser::Error::custom(format!("variables come from a struct or map, not {other}"))),
    }
}
