//! The pure core: Helm's hook model, order, timelines and diffs.
//!
//! Nothing here does I/O, spawns processes or knows about terminals: it takes
//! rendered text and settings, and returns data.

pub mod audit;
pub mod audit_index;
pub mod capabilities;
pub mod chart;
pub mod cluster_record;
pub mod comment;
pub mod diff;
pub mod helm;
pub mod hook;
pub mod junit;
pub mod lifecycle;
pub mod lint;
pub mod local;
pub mod model;
pub mod order;
pub mod plan;
pub mod planfile;
pub mod random;
pub mod redact;
pub mod render_source;
pub mod stats;
pub mod template_scan;
pub mod time;
pub mod timeline;
pub mod tracker;
