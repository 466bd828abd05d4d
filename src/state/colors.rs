//! Colouring points by a metadata column. Pure logic (tested natively).

use rosetta_engine::protocol::MetaColumn;

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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coloring {
    pub rgb: Vec<[u8; 3]>,
    pub legend: Vec<Category>,
    /// Category index of each point (into `legend`), for hiding categories.
    pub category_of: Vec<u16>,
    /// A continuous colouring: the value range the colour bar spans.
    pub ramp: Option<(f64, f64)>,
}

/// Viridis (perceptually uniform, colour-blind safe), sampled at 9 stops.
const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];

/// Viridis at t ∈ [0, 1] (clamped), linearly interpolated between stops.
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    [0, 1, 2].map(|c| (f64::from(a[c]) + (f64::from(b[c]) - f64::from(a[c])) * f).round() as u8)
}

/// Colour by a number per point (a metric, or a numeric column): viridis over [min, max]; points
/// without a value are grey.
pub fn continuous(values: &[f64]) -> Coloring {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let span = if hi > lo { hi - lo } else { 1.0 };
    Coloring {
        rgb: values
            .iter()
            .map(|&v| {
                if v.is_finite() {
                    viridis((v - lo) / span)
                } else {
                    OTHER
                }
            })
            .collect(),
        legend: Vec::new(),
        category_of: Vec::new(),
        ramp: Some((lo, hi)),
    }
}

/// A column reads as continuous when every non-empty value is a number and there are many
/// distinct values (a handful of numbers, like digit labels, stay categories).
pub fn column_coloring(values: &[String]) -> Coloring {
    let parsed: Vec<Option<f64>> = values
        .iter()
        .map(|v| {
            let t = v.trim();
            if t.is_empty() {
                Some(f64::NAN)
            } else {
                t.parse::<f64>().ok()
            }
        })
        .collect();
    if parsed.iter().all(Option::is_some) && distinct(values, 21) > 20 {
        continuous(
            &parsed
                .into_iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect::<Vec<_>>(),
        )
    } else {
        categorical(values)
    }
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

/// How many distinct values `values` holds, counting up to `cap` at most.
pub fn distinct(values: &[String], cap: usize) -> usize {
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
    let slot: std::collections::HashMap<&str, u16> = cats
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (*name, i.min(own) as u16))
        .collect();
    Coloring {
        rgb: values
            .iter()
            .map(|v| index.get(v.as_str()).copied().unwrap_or(OTHER))
            .collect(),
        category_of: values
            .iter()
            .map(|v| slot.get(v.as_str()).copied().unwrap_or(own as u16))
            .collect(),
        legend,
        ramp: None,
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
    fn continuous_columns_use_the_ramp() {
        let values: Vec<String> = (0..30).map(|i| format!("{}", i as f64 * 0.5)).collect();
        let c = column_coloring(&values);
        assert_eq!(c.ramp, Some((0.0, 14.5)));
        assert_eq!(c.rgb[0], VIRIDIS[0]);
        assert_eq!(c.rgb[29], VIRIDIS[8]);
        let digits: Vec<String> = (0..30).map(|i| format!("{}", i % 10)).collect();
        assert!(column_coloring(&digits).ramp.is_none());
    }

    #[test]
    fn categories_index_their_legend_entry() {
        let c = categorical(&["b".into(), "a".into(), "b".into()]);
        assert_eq!(c.legend[usize::from(c.category_of[0])].name, "b");
        assert_eq!(c.legend[usize::from(c.category_of[1])].name, "a");
    }

    #[test]
    fn many_categories_share_other() {
        let values: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let c = categorical(&values);
        assert_eq!(c.legend.len(), PALETTE.len());
        assert_eq!(c.legend.last().unwrap().count, 20 - (PALETTE.len() - 1));
    }
}
