//! The prices SageMaker lets a labeling job pay Mechanical Turk workers per task, by task family
//! (fact sheet §5). Amounts are in tenths of a cent (mills): `36` is $0.036.

use super::task_types::PriceFamily;

/// Bounding box tasks, and the upper part of every other list.
const BOUNDING_BOX: &[u32] = &[
    36, 48, 60, 72, 120, 240, 360, 480, 600, 720, 840, 960, 1080, 1200,
];
/// Image and text classification and custom tasks: two cheaper steps, then the bounding-box list.
const CLASSIFICATION: &[u32] = &[
    12, 24, 36, 48, 60, 72, 120, 240, 360, 480, 600, 720, 840, 960, 1080, 1200,
];
const SEMANTIC_SEGMENTATION: &[u32] = &[840, 960, 1080, 1200];

impl PriceFamily {
    /// The allowed `PublicWorkforceTaskPrice` values, ascending; empty when Mechanical Turk is
    /// not allowed.
    pub const fn allowed_mills(self) -> &'static [u32] {
        match self {
            PriceFamily::BoundingBox => BOUNDING_BOX,
            PriceFamily::Classification => CLASSIFICATION,
            PriceFamily::SemanticSegmentation => SEMANTIC_SEGMENTATION,
            PriceFamily::None => &[],
        }
    }
}

/// `36` → `"0.036"`: how users write prices in a plan.
pub fn format_mills(mills: u32) -> String {
    format!("{}.{:03}", mills / 1000, mills % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_ascending_and_classification_extends_bounding_box() {
        for family in [
            PriceFamily::BoundingBox,
            PriceFamily::Classification,
            PriceFamily::SemanticSegmentation,
        ] {
            let list = family.allowed_mills();
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{family:?}");
        }
        assert_eq!(&CLASSIFICATION[2..], BOUNDING_BOX);
        assert_eq!(format_mills(36), "0.036");
        assert_eq!(format_mills(1200), "1.200");
    }
}
