//! Adapters around the core, one concern each.

pub mod archive;
pub mod audit_index;
pub mod audit_store;
pub mod cache;
pub mod deps;
pub mod forge;
pub mod git;
pub mod helm;
pub mod kube;
pub mod local_exec;
pub mod local_source;
pub mod plan_file;
pub mod release;
pub mod render;
pub mod repo_config;
pub mod run_objects;
pub mod scratch;
