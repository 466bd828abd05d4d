//! Maps of a space: exact PCA ([`pca`]) and relative representations ([`relative`]: each item's
//! similarities to the anchors).

pub mod pca;
pub mod relative;
