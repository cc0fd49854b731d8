//! Adapters around the core, one concern each.

pub mod cache;
pub mod git;
pub mod helm;
pub mod render;
