//! What the export buttons write: CSV text of coordinates with metadata, the pair report as
//! `rosetta compare --json` prints it. Pure, tested natively.

use rosetta_engine::protocol::MetaColumn;

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A leading `=`,
/// `+`, `-` or `@` is kept as is: the file is data, and numbers like `-1.5` must stay numbers.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `item,x,y,<metadata columns…>`, one row per point, in item order.
pub fn coords_csv(xs: &[f32], ys: &[f32], metadata: &[MetaColumn]) -> String {
    let mut out = String::with_capacity(xs.len() * 32);
    let mut header = vec!["item".to_owned(), "x".into(), "y".into()];
    header.extend(metadata.iter().map(|m| csv_field(&m.name)));
    out.push_str(&header.join(","));
    out.push('\n');
    for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
        out.push_str(&format!("{i},{x},{y}"));
        for m in metadata {
            out.push(',');
            out.push_str(&csv_field(m.values.get(i).map_or("", String::as_str)));
        }
        out.push('\n');
    }
    out
}

/// A file name from a space name: letters, digits, `-`, `_` and `.` kept, the rest `_`.
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "rosetta".into()
    } else {
        s
    }
}

/// What a pair report was computed on (beside its metrics) for its JSON export.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareContext {
    /// Names of the two spaces (A, B).
    pub spaces: [String; 2],
    pub n: usize,
    pub dims: [usize; 2],
    pub k: usize,
    pub anchors: usize,
    pub centered: bool,
    /// The stitching probe's label column and its number of classes.
    pub label: Option<(String, usize)>,
}

/// The pair report as the JSON `rosetta compare --json` prints for the same inputs (dotted metric
/// names nested: `relative.x_to_y.mrr` → `{"relative": {"x_to_y": {"mrr": …}}}`), with the spaces'
/// names and the label column added under `spaces` and `label`.
pub fn compare_json(context: &CompareContext, metrics: &[(String, f64)]) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut root = Map::new();
    let mut put = |name: &str, value: Value| {
        let mut node = &mut root;
        let mut parts = name.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.insert(part.to_owned(), value);
                return;
            }
            let next = node
                .entry(part.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !next.is_object() {
                *next = Value::Object(Map::new());
            }
            let Value::Object(inner) = next else { return };
            node = inner;
        }
    };
    put("spaces", json!(context.spaces));
    put("n", json!(context.n));
    put("dims", json!(context.dims));
    put("k", json!(context.k));
    put("relative.anchors", json!(context.anchors));
    put("relative.centered", json!(context.centered));
    for (name, value) in metrics {
        // JSON has no NaN: an undefined metric (e.g. a constant space) is null, as in the CLI.
        put(
            name,
            serde_json::Number::from_f64(*value).map_or(Value::Null, Value::Number),
        );
    }
    if let Some((column, classes)) = &context.label {
        put("label", json!(column));
        // The probe's seeded half split (`rosetta_engine::compare::half_split`).
        put("stitching.train", json!(context.n.div_ceil(2)));
        put("stitching.test", json!(context.n / 2));
        put("stitching.classes", json!(classes));
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        let meta = [MetaColumn {
            name: "label".into(),
            values: vec!["a,b".into(), "say \"hi\"".into()],
        }];
        let csv = coords_csv(&[1.5, -2.0], &[0.25, 3.0], &meta);
        assert_eq!(
            csv,
            "item,x,y,label\n0,1.5,0.25,\"a,b\"\n1,-2,3,\"say \"\"hi\"\"\"\n"
        );
    }

    #[test]
    fn stems_are_safe() {
        assert_eq!(file_stem("model.npz:emb 1/x"), "model.npz_emb_1_x");
        assert_eq!(file_stem(""), "rosetta");
    }

    #[test]
    fn the_pair_report_nests_like_the_cli() {
        let context = CompareContext {
            spaces: ["a.npy".into(), "b.npy".into()],
            n: 5,
            dims: [3, 4],
            k: 2,
            anchors: 4,
            centered: true,
            label: Some(("label".into(), 2)),
        };
        let metrics = vec![
            ("cka_linear".to_owned(), 0.5),
            ("relative.x_to_y.mrr".to_owned(), 0.25),
            ("relative.jaccard".to_owned(), 0.125),
            ("stitching.a_to_b".to_owned(), 1.0),
            ("rsa".to_owned(), f64::NAN),
        ];
        let json = compare_json(&context, &metrics);
        assert_eq!(
            json,
            serde_json::json!({
                "spaces": ["a.npy", "b.npy"], "n": 5, "dims": [3, 4], "k": 2, "cka_linear": 0.5,
                "rsa": null, "label": "label",
                "relative": {"anchors": 4, "centered": true, "x_to_y": {"mrr": 0.25}, "jaccard": 0.125},
                "stitching": {"a_to_b": 1.0, "train": 3, "test": 2, "classes": 2},
            })
        );
        let plain = compare_json(
            &CompareContext {
                label: None,
                ..context
            },
            &[],
        );
        assert!(plain.get("stitching").is_none() && plain.get("label").is_none());
    }
}
