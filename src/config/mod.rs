//! Loading plan files (being written).
