//! Maps of a space: exact PCA ([`pca`]), relative representations ([`relative`]: each item's
//! similarities to the anchors), UMAP ([`umap`]) and t-SNE ([`tsne`]) started from the PCA
//! ([`start`]), and how far a 2-D map can be trusted ([`quality`]).

pub mod pca;
pub mod quality;
pub mod relative;
pub mod start;
#[cfg(test)]
mod test_data;
pub mod tsne;
pub mod umap;
