//! A test that keeps `crates/core` free of import circles between its files: it reads every
//! source file, resolves each `crate::…` path (and `super::…` from a folder's files) to the file
//! that defines the module, and fails naming a circle if one file reaches itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["issuance", "credential"]`) → file, for every file under `src`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut module: Vec<String> = relative
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                    module.pop();
                }
                out.insert(module, path);
            }
        }
    }
    out
}

/// The code of a file without its `#[cfg(test)] mod tests` (tests may import anything).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The modules a file imports: the longest known prefix of each `crate::a::b` path, and each item
/// of a `crate::a::{b, c}` group.
fn imports(
    text: &str,
    from: &[String],
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> BTreeSet<Vec<String>> {
    // Items re-exported at the crate root, by the module that defines them.
    let root = |name: &str| -> Option<&str> {
        Some(match name {
            "Sigil" => "app",
            "Settings" | "OAuthSettings" | "MdocSettings" => "settings",
            "Clock" | "FixedClock" | "SystemClock" => "clock",
            "Error" | "FieldError" | "Location" | "ProtocolError" => "error",
            _ => return None,
        })
    };
    let resolve = |path: Vec<String>| -> Option<Vec<String>> {
        let mut path = path;
        if let Some(first) = path.first().and_then(|f| root(f)) {
            path = vec![first.to_string()];
        }
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| known.contains_key(p))
    };
    let mut out = BTreeSet::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", from[..from.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{'))
                .unwrap_or(rest.len());
            let path = &rest[..end];
            let (head, group) = match path.split_once("::{") {
                Some((head, _)) => {
                    let close = rest.find('}').unwrap_or(rest.len());
                    let items = rest[head.len() + 3..close].to_string();
                    (head.to_string(), Some(items))
                }
                None => (
                    path.trim_end_matches("::")
                        .trim_end_matches('{')
                        .to_string(),
                    None,
                ),
            };
            let mut segments: Vec<String> = base.clone();
            segments.extend(
                head.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
            let targets = match group {
                Some(items) => items
                    .split(',')
                    .map(|i| i.trim().split("::").next().unwrap_or("").to_string())
                    .filter(|i| !i.is_empty())
                    .map(|i| {
                        let mut t = segments.clone();
                        t.push(i);
                        t
                    })
                    .collect(),
                None => vec![segments],
            };
            for target in targets {
                if let Some(module) = resolve(target)
                    && module != from
                    && !module.is_empty()
                {
                    out.insert(module);
                }
            }
        }
    }
    out
}

#[test]
fn no_file_of_core_imports_itself_through_others() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = known
        .iter()
        .map(|(module, path)| (module.clone(), imports(&code(path), module, &known)))
        .collect();
    assert!(graph.len() > 40, "the test reads core's files");
    assert!(
        graph[&vec!["app".to_string()]].contains(&vec!["issuance".to_string()]),
        "the test sees imports (app imports the issuance service)"
    );
    // Depth-first search for a path from each module back to itself.
    for start in graph.keys() {
        let mut stack = vec![(start.clone(), vec![start.join("::")])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in &graph[&at] {
                if next == start {
                    panic!(
                        "import circle: {} -> {}",
                        trail.join(" -> "),
                        start.join("::")
                    );
                }
                if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.join("::"));
                    stack.push((next.clone(), t));
                }
            }
        }
    }
}
