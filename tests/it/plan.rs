//! `helm hooks plan` end to end.
