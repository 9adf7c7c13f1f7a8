//! Small in-place edits of objects as read from the API server: objects and lists reached by
//! key, created when absent, and entries of a list of objects found by their `name`.

use serde_json::{Map, Value};

/// The object at `path` under `value`, each step created when absent or null; `None` when
/// something other than an object is in the way (nothing is replaced).
pub fn object_at<'a>(value: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut current = value;
    if current.is_null() {
        *current = Value::Object(Map::new());
    }
    for key in path {
        let child = current.as_object_mut()?.entry(*key).or_insert(Value::Null);
        if child.is_null() {
            *child = Value::Object(Map::new());
        }
        current = child;
    }
    current.as_object_mut()
}

/// The list at `key` in `map`, created when absent or null; `None` when something else is there.
pub fn list_at<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Vec<Value>> {
    let list = map.entry(key).or_insert(Value::Null);
    if list.is_null() {
        *list = Value::Array(Vec::new());
    }
    list.as_array_mut()
}

/// The `name` of an entry of a list such as volumes, volumeMounts or containers.
pub fn name_of(entry: &Value) -> Option<&str> {
    entry.get("name").and_then(Value::as_str)
}

/// The entry named `name` in `list`; `fresh()` appended at the end when there is none.
pub fn named_entry<'a>(
    list: &'a mut Vec<Value>,
    name: &str,
    fresh: impl FnOnce() -> Value,
) -> &'a mut Value {
    let index = list
        .iter()
        .position(|entry| name_of(entry) == Some(name))
        .unwrap_or_else(|| {
            list.push(fresh());
            list.len() - 1
        });
    &mut list[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_are_created_along_the_path_but_nothing_is_replaced() {
        let mut value = json!({"a": null, "keep": 1});
        object_at(&mut value, &["a", "b"])
            .unwrap()
            .insert("c".into(), json!(2));
        assert_eq!(value, json!({"a": {"b": {"c": 2}}, "keep": 1}));
        assert!(object_at(&mut value, &["keep", "x"]).is_none());
        assert_eq!(value, json!({"a": {"b": {"c": 2}}, "keep": 1}));
    }

    #[test]
    fn lists_are_created_when_absent_and_kept_otherwise() {
        let mut map = json!({"items": [1], "text": "x"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(list_at(&mut map, "items").unwrap(), &vec![json!(1)]);
        assert!(list_at(&mut map, "text").is_none());
        list_at(&mut map, "new").unwrap().push(json!(2));
        assert_eq!(map["new"], json!([2]));
    }

    #[test]
    fn named_entries_are_found_or_appended() {
        let mut list = vec![json!({"name": "a", "x": 1}), json!("junk")];
        named_entry(&mut list, "a", || json!({"name": "a"}))["x"] = json!(3);
        named_entry(&mut list, "b", || json!({"name": "b"}));
        assert_eq!(
            list,
            vec![
                json!({"name": "a", "x": 3}),
                json!("junk"),
                json!({"name": "b"})
            ]
        );
    }
}
