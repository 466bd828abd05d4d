//! Similarity of two spaces of the same items: [`cka`] (linear, debiased, RBF), [`rsa`] and
//! per-item neighbour [`agreement`].

pub mod agreement;
pub mod cka;
pub mod rsa;
