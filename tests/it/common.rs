//! Shared helpers: real Helm binaries, temp Git repositories, hermetic env.
