//! No import cycles anywhere. Within each crate (`src/`, `sandbox/src/`), no two files,
//! or groups of files, may import each other in a loop. The test builds the graph "file A names
//! an item defined in file B" from the sources, and fails on any strongly connected component of
//! more than one file, naming the edges of each cycle and the paths, as written, behind them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use regex::Regex;

/// A crate's source files: path under its `src/`, `/`-separated -> text.
type Files = BTreeMap<String, String>;
/// Import edges: file -> file it names an item of -> the paths, as written, that name it.
type Edges = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;
/// The same edges, without their paths.
type Adjacent<'g> = HashMap<&'g str, Vec<&'g str>>;

/// A regex compiled once, on first use.
macro_rules! regex {
    ($pattern:literal) => {{
        static RE: std::sync::LazyLock<Regex> =
            std::sync::LazyLock::new(|| Regex::new($pattern).unwrap());
        &*RE
    }};
}

/// Reads every `.rs` file under `root`.
fn read_crate(root: &Path) -> Files {
    let (mut files, mut dirs) = (Files::new(), vec![root.to_path_buf()]);
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(root).unwrap().to_str().unwrap();
            if path.is_dir() {
                dirs.push(path.clone());
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.insert(name.replace('\\', "/"), text);
            }
        }
    }
    files
}

/// Comments and string literals name nothing: a path in a doc comment or a message is no import.
fn strip_comments(src: &str) -> String {
    let src = regex!(r"(?s)/\*.*?\*/").replace_all(src, "");
    let src = regex!(r#""(?:\\.|[^"\\])*""#).replace_all(&src, r#""""#);
    regex!(r"//[^\n]*").replace_all(&src, "").into_owned()
}

/// How a character changes the depth of braces.
fn brace_step(byte: u8) -> i32 {
    i32::from(byte == b'{') - i32::from(byte == b'}')
}

/// Inside an inline `mod name { .. }` (in practice `mod tests`), `super::` is the file's own
/// module: a test module using its parent's items imports nothing from another file.
fn inline_modules_as_self(src: &str) -> String {
    let (mut out, mut done) = (String::new(), 0);
    for m in regex!(r"\bmod\s+\w+\s*\{").find_iter(src) {
        if m.start() < done {
            continue; // inside a module already rewritten
        }
        let mut depth = 1;
        let length = src[m.end()..].bytes().position(|byte| {
            depth += brace_step(byte);
            depth == 0
        });
        let end = length.map_or(src.len(), |length| m.end() + length + 1);
        out.push_str(&src[done..m.end()]);
        out.push_str(&regex!(r"\bsuper::").replace_all(&src[m.end()..end], "self::"));
        done = end;
    }
    out + &src[done..]
}

/// main.rs is the binary crate: no module of the library, which it names as `ecr::`.
fn is_main(file: &str) -> bool {
    file == "main.rs"
}

/// A file's module path: `a/b.rs` is `a::b`; `mod.rs`, `lib.rs` and `main.rs` are their
/// directory's module.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file[..file.len() - 3]
        .split('/')
        .map(String::from)
        .collect();
    if ["mod", "lib", "main"].contains(&parts[parts.len() - 1].as_str()) {
        parts.pop();
    }
    parts
}

/// The names of the items a file defines: a path ending in one of them leads to that file.
fn defined_items(code: &str) -> HashSet<String> {
    let item = regex!(
        r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:struct|enum|fn|trait|const|static|type|union|macro_rules!)\s+(\w+)"
    );
    item.captures_iter(code).map(|c| c[1].to_string()).collect()
}

/// The child modules a file declares (`mod name;`): `name::x` in it is a path of the crate.
fn child_modules(code: &str) -> HashSet<String> {
    let child = regex!(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;");
    child
        .captures_iter(code)
        .map(|c| c[1].to_string())
        .collect()
}

/// A `use` line: whether it is `pub` (or `pub(..)`), and its tree.
fn use_line() -> &'static Regex {
    regex!(r"(?m)^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);")
}

/// A `use` tree as the paths it brings in: `a::{b, c::{d, e}}` is `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(group) = regex!(r"(?s)^(.*?)\{(.*)\}$").captures(tree) else {
        return vec![tree.to_string()];
    };
    let (prefix, inner) = (&group[1], &group[2]);
    let (mut items, mut depth, mut start) = (vec![], 0, 0);
    for (i, byte) in inner.bytes().enumerate() {
        depth += brace_step(byte);
        if byte == b',' && depth == 0 {
            items.push(&inner[start..i]);
            start = i + 1;
        }
    }
    items.push(&inner[start..]);
    let paths = items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand);
    paths.map(|path| format!("{prefix}{path}")).collect()
}

/// Every path the `use` lines of `code` bring in, with whether its line is a `pub use`.
fn uses(code: &str) -> Vec<(bool, String)> {
    let mut paths = vec![];
    for line in use_line().captures_iter(code) {
        let public = line.get(1).is_some();
        paths.extend(expand(&line[2]).into_iter().map(|path| (public, path)));
    }
    paths
}

/// `X as Y` is the item `X`.
fn without_alias(segment: &str) -> &str {
    segment.split(" as ").next().unwrap().trim()
}

/// The name a `use` path brings in: its last segment, or the alias after `as`.
fn name_brought(path: &str) -> &str {
    let last = path.rsplit("::").next().unwrap();
    last.rsplit(" as ").next().unwrap().trim()
}

/// Paths inline in code (`crate::x::f()`, `child::T::new`) name items as `use` lines do.
fn inline_paths(body: &str) -> impl Iterator<Item = String> + '_ {
    let path = regex!(r"\b((?:crate|super|self|ecr)(?:::\w+)+|\w+(?:::\w+)+)");
    path.find_iter(body).map(|m| m.as_str().to_string())
}

/// A `pub use` alone is a re-export, not an import (or every parent would import its children's
/// items): it is one only when the file also uses the name in its own code.
fn is_used(name: &str, body: &str) -> bool {
    let word = Regex::new(&format!(r"\b{}\b", regex::escape(name))).unwrap();
    word.is_match(body)
}

/// What the rules need to know of one file.
struct File {
    /// The source without comments and strings, with `super::` of inline modules as `self::`.
    code: String,
    defined: HashSet<String>,
    children: HashSet<String>,
    /// Its `pub use` lines: name brought in -> path as written.
    reexports: HashMap<String, String>,
}

struct Crate {
    files: BTreeMap<String, File>,
    /// Module path -> the file that is that module.
    by_module: HashMap<Vec<String>, String>,
}

impl Crate {
    fn new(sources: &Files) -> Crate {
        let mut files = BTreeMap::new();
        for (name, source) in sources {
            let code = inline_modules_as_self(&strip_comments(source));
            let (defined, children) = (defined_items(&code), child_modules(&code));
            let public = uses(&code).into_iter().filter(|(public, _)| *public);
            let reexports = public.map(|(_, path)| (name_brought(&path).to_string(), path));
            let reexports = reexports.collect();
            let file = File {
                code,
                defined,
                children,
                reexports,
            };
            files.insert(name.clone(), file);
        }
        let modules = sources.keys().filter(|name| !is_main(name));
        let by_module = modules
            .map(|name| (module_of(name), name.clone()))
            .collect();
        Crate { files, by_module }
    }

    /// The module path from the crate root that `path`, written in `file`, starts with; `None`
    /// when it leaves the crate (`std::`, a dependency).
    fn absolute(&self, file: &str, path: &str) -> Option<Vec<String>> {
        let segments = path.split("::").map(str::trim).filter(|s| !s.is_empty());
        let segments: Vec<_> = segments.map(without_alias).collect();
        let here = module_of(file);
        let (base, skip) = match *segments.first()? {
            "crate" => (&[][..], 1),
            "ecr" if is_main(file) => (&[][..], 1),
            "self" => (&here[..], 1),
            "super" => {
                let up = segments.iter().take_while(|s| **s == "super").count();
                (&here[..here.len().saturating_sub(up)], up)
            }
            child if self.files[file].children.contains(child) => (&here[..], 0),
            _ => return None,
        };
        let rest = segments[skip..].iter().map(|s| s.to_string());
        Some(base.iter().cloned().chain(rest).collect())
    }

    /// The file defining what an absolute path names: the deepest module file on the path, or,
    /// when that file only re-exports the item (`pub use child::X`), the file it comes from, so
    /// that naming `crate::m::X` depends on `m/child.rs`, not on `m/mod.rs`.
    fn resolve(&self, path: &[String], depth: usize) -> Option<&str> {
        if depth > 5 {
            return None; // re-exports in a loop: the re-exporter will do
        }
        let is_module = |n: &usize| self.by_module.contains_key(&path[..*n]);
        let n = (0..=path.len()).rev().find(is_module)?;
        let name = self.by_module[&path[..n]].as_str();
        let file = &self.files[name];
        let reexported = match path.get(n).map(String::as_str) {
            Some("self" | "*") | None => None,
            Some(item) if file.defined.contains(item) => None,
            Some(item) => file.reexports.get(item),
        };
        let target = reexported.and_then(|written| self.absolute(name, written));
        let origin = target.and_then(|target| self.resolve(&target, depth + 1));
        Some(origin.unwrap_or(name))
    }
}

/// The import graph of one crate: file A -> file B when A names an item B defines, through a
/// `use` line or a path inline in its code.
fn import_graph(sources: &Files) -> Edges {
    let krate = Crate::new(sources);
    let mut edges = Edges::new();
    for (name, file) in &krate.files {
        let body = use_line().replace_all(&file.code, "");
        let imports = uses(&file.code).into_iter();
        let imports =
            imports.filter(|(public, path)| !public || is_used(name_brought(path), &body));
        for path in imports.map(|(_, path)| path).chain(inline_paths(&body)) {
            let absolute = krate.absolute(name, &path);
            let target = absolute.and_then(|absolute| krate.resolve(&absolute, 0));
            if let Some(target) = target.filter(|target| *target != name.as_str()) {
                let from = edges.entry(name.clone()).or_default();
                from.entry(target.to_string()).or_default().insert(path);
            }
        }
    }
    edges
}

/// Files visited depth-first from `v` along `next`, each after those it leads to (post-order).
fn post_order<'g>(v: &'g str, next: &Adjacent<'g>, seen: &mut HashSet<&'g str>) -> Vec<&'g str> {
    let mut order = vec![];
    if seen.insert(v) {
        for w in next.get(v).into_iter().flatten() {
            order.extend(post_order(w, next, seen));
        }
        order.push(v);
    }
    order
}

/// The strongly connected components of more than one file, sorted (Kosaraju's algorithm: the
/// files each reaches backwards, taken in reverse post-order of the forward graph).
fn cycles(edges: &Edges) -> Vec<Vec<&str>> {
    let (mut forward, mut backward) = (Adjacent::new(), Adjacent::new());
    for (a, targets) in edges {
        for b in targets.keys() {
            forward.entry(a.as_str()).or_default().push(b.as_str());
            backward.entry(b.as_str()).or_default().push(a.as_str());
        }
    }
    let (mut order, mut seen) = (vec![], HashSet::new());
    for v in edges.keys() {
        order.extend(post_order(v, &forward, &mut seen));
    }
    let (mut cycles, mut seen) = (vec![], HashSet::new());
    for v in order.into_iter().rev() {
        let mut component = post_order(v, &backward, &mut seen);
        if component.len() > 1 {
            component.sort();
            cycles.push(component);
        }
    }
    cycles.sort();
    cycles
}

/// Each cycle, its files, and its edges with (at most four of) the paths that make them.
fn describe(edges: &Edges, cycles: &[Vec<&str>]) -> String {
    let mut out = String::new();
    for cycle in cycles {
        out += &format!("CYCLE: {}\n", cycle.join(", "));
        for (a, b) in cycle.iter().flat_map(|a| cycle.iter().map(move |b| (a, b))) {
            if let Some(paths) = edges[*a].get(*b) {
                let paths: Vec<_> = paths.iter().take(4).collect();
                out += &format!("  {a} -> {b}: {paths:?}\n");
            }
        }
    }
    out
}

fn assert_no_cycle(src: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
    let edges = import_graph(&read_crate(&root));
    assert!(edges.len() > 10, "nothing read in {src}/?");
    let cycles = cycles(&edges);
    let report = describe(&edges, &cycles);
    assert!(cycles.is_empty(), "import cycles in {src}/:\n{report}");
}

#[test]
fn the_ecr_crate_has_no_import_cycle() {
    assert_no_cycle("src");
}

#[test]
fn the_sandbox_crate_has_no_import_cycle() {
    assert_no_cycle("sandbox/src");
}

fn files(sources: &[(&str, &str)]) -> Files {
    let file = |(name, text): &(&str, &str)| (name.to_string(), text.to_string());
    sources.iter().map(file).collect()
}

#[test]
fn two_files_importing_each_other_are_a_cycle() {
    let a = "use crate::b::X;\npub struct Y;\n";
    let b = "use crate::a::Y;\npub struct X;\n";
    let edges = import_graph(&files(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", a),
        ("b.rs", b),
    ]));
    let cycles = cycles(&edges);
    assert_eq!(cycles, [["a.rs", "b.rs"]]);
    let edges_of_cycle = r#"  a.rs -> b.rs: ["crate::b::X"]
  b.rs -> a.rs: ["crate::a::Y"]
"#;
    let expected = format!("CYCLE: a.rs, b.rs\n{edges_of_cycle}");
    assert_eq!(describe(&edges, &cycles), expected);
}

#[test]
fn a_reexport_is_not_an_import_unless_the_parent_uses_the_name() {
    let child = "use super::helper;\npub struct X;\n";
    let parent = "mod child;\npub use child::X;\npub fn helper() {}\n";
    let lib = "mod m;\nuse crate::m::X;\n";
    let mut sources = files(&[("lib.rs", lib), ("m/mod.rs", parent), ("m/child.rs", child)]);
    let edges = import_graph(&sources);
    assert!(cycles(&edges).is_empty());
    // Naming the re-exported item depends on the file defining it, not on the re-exporter.
    let from_lib: Vec<_> = edges["lib.rs"].keys().collect();
    assert_eq!(from_lib, ["m/child.rs"]);

    // A parent that also uses the name itself does import it: then the two files are a cycle.
    let parent = format!("{parent}pub fn make() -> X {{ X }}\n");
    sources.insert("m/mod.rs".into(), parent);
    let edges = import_graph(&sources);
    assert_eq!(cycles(&edges), [["m/child.rs", "m/mod.rs"]]);
}

#[test]
fn a_tests_module_using_super_is_not_a_cycle() {
    let a = "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    fn t() { f() }\n}\n";
    let sources = files(&[("lib.rs", "mod a;\npub fn run() { a::f() }\n"), ("a.rs", a)]);
    let edges = import_graph(&sources);
    assert!(cycles(&edges).is_empty());
    assert!(edges["lib.rs"].contains_key("a.rs") && !edges.contains_key("a.rs"));
}
