//! Rules linking to docs/reference/consistent-hashing.md.

pub mod mod_n_node_hashing;
