//! The AWS SDK implementation of [`super::Cloud`] (being written).
