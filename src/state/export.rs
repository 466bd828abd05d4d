//! What the export buttons write: CSV text of coordinates with metadata. Pure, tested natively.

use crate::worker::protocol::MetaColumn;

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
}
