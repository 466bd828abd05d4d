use leptos::prelude::*;

use crate::state::AppState;
use rosetta_engine::protocol::ColumnOverride;

/// The user's override of how CSV/TSV tables with a header split into vector and metadata
/// columns. Empty fields mean automatic (numeric columns form the vector, `id` is the id).
/// Applies to the files loaded next.
#[component]
pub fn ColumnChooser() -> impl IntoView {
    let state = expect_context::<AppState>();
    let set_id = move |ev| {
        let v = event_target_value(&ev).trim().to_owned();
        state
            .columns
            .update(|c| c.id_column = (!v.is_empty()).then_some(v));
    };
    let set_vectors = move |ev| {
        let names = parse_column_list(&event_target_value(&ev));
        state
            .columns
            .update(|c| c.vector_columns = (!names.is_empty()).then_some(names));
    };
    let summary = move || describe(&state.columns.get());
    view! {
        <details class="column-chooser">
            <summary>"Table columns (CSV/TSV) · " <span data-testid="column-summary">{summary}</span></summary>
            <label>
                "Id column "
                <input type="text" data-testid="id-column" placeholder="id" on:change=set_id />
            </label>
            <label>
                "Vector columns "
                <input
                    type="text"
                    data-testid="vector-columns"
                    placeholder="all numeric columns"
                    on:change=set_vectors
                />
            </label>
            <p class="muted small">"Comma-separated names. Used for the files you load next."</p>
        </details>
    }
}

/// `"a, b,,c"` → `["a", "b", "c"]`.
pub fn parse_column_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn describe(c: &ColumnOverride) -> String {
    match (&c.id_column, &c.vector_columns) {
        (None, None) => "automatic".into(),
        (id, vectors) => {
            let id = id.as_deref().unwrap_or("id");
            let vectors = vectors
                .as_ref()
                .map_or("numeric".to_owned(), |v| format!("{} columns", v.len()));
            format!("id: {id}, vector: {vectors}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_column_list;

    #[test]
    fn splits_and_trims() {
        assert_eq!(parse_column_list(" a, b,,c "), vec!["a", "b", "c"]);
        assert!(parse_column_list(" , ").is_empty());
    }
}
