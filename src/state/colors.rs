//! Colouring points by a metadata column. Pure logic (tested natively).

use crate::worker::protocol::MetaColumn;

/// Colour-blind-safe categorical palette: Okabe–Ito (without black), then Paul Tol's "muted".
pub const PALETTE: [[u8; 3]; 12] = [
    [0x00, 0x72, 0xB2], // blue
    [0xE6, 0x9F, 0x00], // orange
    [0x00, 0x9E, 0x73], // bluish green
    [0xCC, 0x79, 0xA7], // reddish purple
    [0x56, 0xB4, 0xE9], // sky blue
    [0xD5, 0x5E, 0x00], // vermillion
    [0xF0, 0xE4, 0x42], // yellow
    [0x33, 0x22, 0x88], // indigo
    [0x88, 0x22, 0x55], // wine
    [0x44, 0xAA, 0x99], // teal
    [0x99, 0x99, 0x33], // olive
    [0xAA, 0x44, 0x99], // purple
];

/// Colour of points when nothing colours them, and of categories beyond the palette.
pub const NEUTRAL: [u8; 3] = [0x55, 0x66, 0x77];
pub const OTHER: [u8; 3] = [0xBB, 0xBB, 0xBB];

/// One legend entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub count: usize,
    pub rgb: [u8; 3],
}

/// Per-point colours plus the legend that explains them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coloring {
    pub rgb: Vec<[u8; 3]>,
    pub legend: Vec<Category>,
}

/// The column to colour by when the user has not chosen: a label-like name first, else the first
/// column with between 2 and 50 distinct values that is not an id.
pub fn default_color_column(columns: &[MetaColumn]) -> Option<String> {
    const PREFERRED: [&str; 6] = ["label", "labels", "class", "category", "target", "y"];
    if let Some(c) = columns
        .iter()
        .find(|c| PREFERRED.contains(&c.name.to_ascii_lowercase().as_str()))
    {
        return Some(c.name.clone());
    }
    columns
        .iter()
        .filter(|c| !c.name.eq_ignore_ascii_case("id"))
        .find(|c| (2..=50).contains(&distinct(&c.values, 51)))
        .or_else(|| columns.iter().find(|c| !c.name.eq_ignore_ascii_case("id")))
        .map(|c| c.name.clone())
}

fn distinct(values: &[String], cap: usize) -> usize {
    let mut seen = std::collections::HashSet::new();
    for v in values {
        seen.insert(v.as_str());
        if seen.len() >= cap {
            break;
        }
    }
    seen.len()
}

/// Categories ordered numerically when every value is a number, else by count (then name).
/// The first `PALETTE.len() - 1` categories get their own colour, the rest share "other".
pub fn categorical(values: &[String]) -> Coloring {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for v in values {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let mut cats: Vec<(&str, usize)> = counts.into_iter().collect();
    let numeric = cats.iter().all(|(n, _)| n.trim().parse::<f64>().is_ok());
    if numeric {
        cats.sort_by(|a, b| {
            let x: f64 = a.0.trim().parse().unwrap_or(0.0);
            let y: f64 = b.0.trim().parse().unwrap_or(0.0);
            x.total_cmp(&y)
        });
    } else {
        cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    }
    let own = if cats.len() > PALETTE.len() {
        PALETTE.len() - 1
    } else {
        cats.len()
    };
    let mut index: std::collections::HashMap<&str, [u8; 3]> = std::collections::HashMap::new();
    let mut legend = Vec::new();
    let mut other = 0usize;
    for (i, (name, count)) in cats.iter().enumerate() {
        if i < own {
            index.insert(name, PALETTE[i]);
            legend.push(Category {
                name: (*name).to_owned(),
                count: *count,
                rgb: PALETTE[i],
            });
        } else {
            index.insert(name, OTHER);
            other += count;
        }
    }
    if other > 0 {
        legend.push(Category {
            name: format!("other ({} values)", cats.len() - own),
            count: other,
            rgb: OTHER,
        });
    }
    Coloring {
        rgb: values
            .iter()
            .map(|v| index.get(v.as_str()).copied().unwrap_or(OTHER))
            .collect(),
        legend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, values: &[&str]) -> MetaColumn {
        MetaColumn {
            name: name.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn label_column_is_preferred_over_id() {
        let cols = [
            col("id", &["a", "b"]),
            col("split", &["x", "y"]),
            col("label", &["1", "2"]),
        ];
        assert_eq!(default_color_column(&cols).as_deref(), Some("label"));
    }

    #[test]
    fn numeric_categories_sort_numerically() {
        let c = categorical(&["10".into(), "2".into(), "2".into()]);
        assert_eq!(c.legend[0].name, "2");
        assert_eq!(c.legend[0].count, 2);
        assert_eq!(c.legend[1].name, "10");
        assert_eq!(c.rgb[1], PALETTE[0]);
    }

    #[test]
    fn many_categories_share_other() {
        let values: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let c = categorical(&values);
        assert_eq!(c.legend.len(), PALETTE.len());
        assert_eq!(c.legend.last().unwrap().count, 20 - (PALETTE.len() - 1));
    }
}
