//! Apply: executes a plan's steps (being written).
