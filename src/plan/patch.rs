//! Merge patches (RFC 7386) from an object as read to the object as planned, conditional on
//! the version read; and the check that the server's answer holds what a patch set.

use serde_json::{Map, Value, json};

/// The merge patch (RFC 7386) from `before` to `after`, conditional on `before`'s
/// resourceVersion so that a concurrent write makes it fail rather than be lost.
pub(super) fn conditional_patch(before: &Value, after: &Value) -> Value {
    let mut patch = merge_patch(before, after);
    if let (Some(patch), Some(version)) = (
        patch.as_object_mut(),
        before.pointer("/metadata/resourceVersion"),
    ) {
        let metadata = patch.entry("metadata").or_insert_with(|| json!({}));
        if let Some(metadata) = metadata.as_object_mut() {
            metadata.insert("resourceVersion".into(), version.clone());
        }
    }
    patch
}

/// The smallest merge patch that turns `before` into `after`: maps are patched key by key,
/// anything else (lists included) is replaced whole, removed keys are set to null.
pub(super) fn merge_patch(before: &Value, after: &Value) -> Value {
    let (Value::Object(before), Value::Object(after)) = (before, after) else {
        return after.clone();
    };
    let mut patch = Map::new();
    for (key, new) in after {
        match before.get(key) {
            Some(old) if old == new => {}
            Some(old) => {
                patch.insert(key.clone(), merge_patch(old, new));
            }
            None => {
                patch.insert(key.clone(), new.clone());
            }
        }
    }
    for key in before.keys().filter(|key| !after.contains_key(*key)) {
        patch.insert(key.clone(), Value::Null);
    }
    Value::Object(patch)
}

/// The first field (a dotted path) that the write from `before` to `after` set and `stored`
/// does not hold as it was set; fields the server adds, such as defaults and bookkeeping, do
/// not matter.
pub(super) fn field_not_shown(
    before: Option<&Value>,
    after: &Value,
    stored: &Value,
) -> Option<String> {
    let written = merge_patch(before.unwrap_or(&json!({})), after);
    first_not_shown(&written, stored, "")
}

/// Where `stored` differs from what the merge patch `patch` makes of it, below `at`.
fn first_not_shown(patch: &Value, stored: &Value, at: &str) -> Option<String> {
    let Value::Object(fields) = patch else {
        return (patch != stored).then(|| at.to_string());
    };
    fields.iter().find_map(|(key, value)| {
        let path = match at {
            "" => key.clone(),
            _ => format!("{at}.{key}"),
        };
        match (value, stored.get(key)) {
            (Value::Null, None | Some(Value::Null)) => None,
            (Value::Object(_), None) => first_not_shown(value, &json!({}), &path),
            (Value::Object(_), Some(inner)) if inner.is_object() => {
                first_not_shown(value, inner, &path)
            }
            (value, Some(inner)) if value == inner => None,
            _ => Some(path),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_merge_patch_holds_only_what_changed() {
        let before = json!({"a": 1, "b": {"c": 2, "d": 3}, "list": [1, 2], "gone": true});
        let after = json!({"a": 1, "b": {"c": 2, "d": 4}, "list": [1, 2, 3], "new": "x"});
        assert_eq!(
            merge_patch(&before, &after),
            json!({"b": {"d": 4}, "list": [1, 2, 3], "new": "x", "gone": null})
        );
    }

    #[test]
    fn a_write_is_verified_by_the_object_the_server_answers() {
        let before = json!({"metadata": {"resourceVersion": "7"}, "spec": {"a": 1, "old": true}});
        let after = json!({"metadata": {"resourceVersion": "7"}, "spec": {"a": 2}});
        let stored = json!({"metadata": {"resourceVersion": "8", "generation": 2},
                            "spec": {"a": 2, "defaulted": "x"}});
        assert_eq!(field_not_shown(Some(&before), &after, &stored), None);
        // A field the server pruned, or kept: the write did not take.
        let pruned = json!({"metadata": {"resourceVersion": "8"}, "spec": {}});
        assert_eq!(
            field_not_shown(Some(&before), &after, &pruned).as_deref(),
            Some("spec.a")
        );
        let kept = json!({"metadata": {"resourceVersion": "8"}, "spec": {"a": 2, "old": true}});
        assert_eq!(
            field_not_shown(Some(&before), &after, &kept).as_deref(),
            Some("spec.old")
        );
        // A created object: all of it must be there.
        let created = json!({"metadata": {"name": "s", "uid": "u"}, "data": {"k": "v"}});
        let wanted = json!({"metadata": {"name": "s"}, "data": {"k": "v"}});
        assert_eq!(field_not_shown(None, &wanted, &created), None);
        let other = json!({"data": {"k": "w"}});
        assert_eq!(
            field_not_shown(None, &other, &created).as_deref(),
            Some("data.k")
        );
    }

    #[test]
    fn a_patch_is_conditional_on_the_version_read() {
        let before = json!({"metadata": {"name": "x", "resourceVersion": "42"}, "spec": {"a": 1}});
        let after = json!({"metadata": {"name": "x", "resourceVersion": "42"}, "spec": {"a": 2}});
        assert_eq!(
            conditional_patch(&before, &after),
            json!({"metadata": {"resourceVersion": "42"}, "spec": {"a": 2}})
        );
    }

    /// JSON documents without nulls (a merge patch cannot set a null).
    fn object() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[a-c]", document(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z]{0,4}".prop_map(Value::from)
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                prop::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn applying_the_merge_patch_gives_the_target(before in document(), after in document()) {
            let mut patched = before.clone();
            json_patch::merge(&mut patched, &merge_patch(&before, &after));
            prop_assert_eq!(patched, after);
        }

        #[test]
        fn what_the_patch_makes_is_verified(before in object(), after in object(), extra in document()) {
            let mut stored = before.clone();
            json_patch::merge(&mut stored, &merge_patch(&before, &after));
            // What the server adds under its own keys (never a, b or c) does not matter.
            stored["server"] = extra;
            prop_assert_eq!(field_not_shown(Some(&before), &after, &stored), None);
        }

        #[test]
        fn an_object_patched_to_itself_needs_no_change(object in document()) {
            let expected = if object.is_object() { json!({}) } else { object.clone() };
            prop_assert_eq!(merge_patch(&object, &object), expected);
        }
    }
}
