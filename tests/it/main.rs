//! The one integration test binary. Shared helpers live in `common`;
//! cluster-backed tests share one test cluster per binary run (`cluster`).
mod common;

mod apply;
mod cache;
mod cluster;
mod cluster_helm;
mod cluster_plan;
mod completion;
mod deps;
mod exactness;
mod help;
mod hints;
mod history;
mod house;
mod lifecycle;
mod lint;
mod local_hooks;
mod narrow;
mod newcomer;
mod plan;
mod plan_all;
mod planfile;
mod plugin;
mod release;
mod signal;
mod standalone;
mod team;
