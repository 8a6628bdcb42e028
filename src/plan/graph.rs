//! The order of a plan's changes. Creates and updates run in dependency order (bucket → role →
//! upload → job, plus each change's explicit `depends_on`); stops and deletes run after all of
//! them, in reverse (jobs stopped before the role they use is deleted, objects before their
//! bucket). [`waves`] groups the changes that may run at the same time, which apply uses with
//! `--parallelism`.
//!
//! Pure functions of the plan, so the planner and apply always agree.

use super::model::{Action, Change, Plan};
use crate::model::Kind;

/// Creates and updates (and no-ops) go forward; stops and deletes go backward, after them.
fn is_forward(c: &Change) -> bool {
    matches!(
        c.action,
        Action::NoOp | Action::Create | Action::Update | Action::Wait
    )
}

/// Kind's position in the dependency chain.
fn rank(kind: Kind) -> usize {
    match kind {
        Kind::Bucket => 0,
        Kind::Role => 1,
        Kind::Upload => 2,
        Kind::Job => 3,
    }
}

/// Whether `a` must be finished before `b` starts.
fn must_precede(a: &Change, b: &Change) -> bool {
    let (ka, kb) = (rank(a.address.kind), rank(b.address.kind));
    match (is_forward(a), is_forward(b)) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => ka < kb || (a.address != b.address && b.depends_on.contains(&a.address)),
        // Deleting undoes creating: what depended on something is deleted before it.
        (false, false) => ka > kb || (a.address != b.address && a.depends_on.contains(&b.address)),
    }
}

/// Groups `members` (indices into `changes`) into waves: each wave only needs earlier waves.
/// Within a wave indices keep their order. A dependency cycle (the resolver rejects them, so
/// only hand-made plans have one) is broken by running its first member alone.
fn layers(changes: &[Change], members: &[usize]) -> Vec<Vec<usize>> {
    let mut remaining = members.to_vec();
    let mut out = Vec::new();
    while !remaining.is_empty() {
        let mut wave: Vec<usize> = remaining
            .iter()
            .copied()
            .filter(|&b| {
                remaining
                    .iter()
                    .all(|&a| a == b || !must_precede(&changes[a], &changes[b]))
            })
            .collect();
        if wave.is_empty() {
            wave.push(remaining[0]);
        }
        remaining.retain(|i| !wave.contains(i));
        out.push(wave);
    }
    out
}

/// Sorts changes into apply order: creates/updates by kind then address, stops/deletes after
/// them in reverse kind order, each respecting `depends_on`.
pub fn order(mut changes: Vec<Change>) -> Vec<Change> {
    changes.sort_by(|a, b| {
        let key = |c: &Change| {
            let r = rank(c.address.kind);
            (!is_forward(c), if is_forward(c) { r } else { 3 - r })
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.address.cmp(&b.address))
            .then_with(|| a.name.cmp(&b.name))
    });
    let all: Vec<usize> = (0..changes.len()).collect();
    let sequence: Vec<usize> = layers(&changes, &all).into_iter().flatten().collect();
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    sequence
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// The plan's changes that do something (no-ops left out), as indices into `plan.changes`,
/// grouped into waves: the changes of one wave are independent of each other and may run
/// concurrently; a wave starts when the previous one has finished.
pub fn waves(plan: &Plan) -> Vec<Vec<usize>> {
    let active: Vec<usize> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action != Action::NoOp)
        .map(|(i, _)| i)
        .collect();
    layers(&plan.changes, &active)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;
    use crate::plan::model::FORMAT_VERSION;

    fn c(address: &str, action: Action, depends_on: &[&str]) -> Change {
        Change {
            address: address.parse().expect("test address"),
            name: address.to_owned(),
            action,
            reason: String::new(),
            fields: Vec::new(),
            steps: Vec::new(),
            observed_digest: String::new(),
            depends_on: depends_on
                .iter()
                .map(|a| a.parse::<Address>().expect("test address"))
                .collect(),
            note: None,
        }
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            format_version: FORMAT_VERSION,
            plan: "p".to_owned(),
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            changes: order(changes),
        }
    }

    fn addresses(plan: &Plan, waves: &[Vec<usize>]) -> Vec<Vec<String>> {
        waves
            .iter()
            .map(|w| {
                w.iter()
                    .map(|&i| plan.changes[i].address.to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn creates_follow_the_dependency_chain_and_run_concurrently_within_a_kind() {
        let p = plan(vec![
            c(
                "job.pets",
                Action::Create,
                &["role.labeling", "upload.manifest"],
            ),
            c("upload.manifest", Action::Create, &["bucket.data"]),
            c("upload.labels", Action::Create, &["bucket.data"]),
            c("role.labeling", Action::Create, &[]),
            c("bucket.data", Action::Create, &[]),
            c("bucket.out", Action::Create, &[]),
        ]);
        assert_eq!(
            addresses(&p, &waves(&p)),
            vec![
                vec!["bucket.data", "bucket.out"],
                vec!["role.labeling"],
                vec!["upload.labels", "upload.manifest"],
                vec!["job.pets"],
            ]
        );
    }

    #[test]
    fn explicit_dependencies_order_changes_of_one_kind() {
        let p = plan(vec![
            c("job.a", Action::Create, &["job.b"]),
            c("job.b", Action::Create, &[]),
        ]);
        let order: Vec<String> = p.changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(order, ["job.b", "job.a"]);
        assert_eq!(
            addresses(&p, &waves(&p)),
            vec![vec!["job.b"], vec!["job.a"]]
        );
    }

    #[test]
    fn deletes_run_after_creates_in_reverse_order() {
        let p = plan(vec![
            c("bucket.old", Action::Delete, &[]),
            c("role.old", Action::Delete, &[]),
            c("job.old", Action::Stop, &[]),
            c("bucket.new", Action::Create, &[]),
            c("upload.old", Action::Delete, &["bucket.old"]),
        ]);
        assert_eq!(
            addresses(&p, &waves(&p)),
            vec![
                vec!["bucket.new"],
                vec!["job.old"],
                vec!["upload.old"],
                vec!["role.old"],
                vec!["bucket.old"],
            ]
        );
    }

    #[test]
    fn no_ops_are_ordered_but_not_in_waves() {
        let p = plan(vec![
            c("job.pets", Action::NoOp, &[]),
            c("bucket.data", Action::NoOp, &[]),
            c("upload.manifest", Action::Update, &["bucket.data"]),
        ]);
        let order: Vec<String> = p.changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(order, ["bucket.data", "upload.manifest", "job.pets"]);
        assert_eq!(addresses(&p, &waves(&p)), vec![vec!["upload.manifest"]]);
    }

    #[test]
    fn a_cycle_is_broken_not_looped() {
        let p = plan(vec![
            c("job.a", Action::Create, &["job.b"]),
            c("job.b", Action::Create, &["job.a"]),
        ]);
        assert_eq!(
            addresses(&p, &waves(&p)),
            vec![vec!["job.a"], vec!["job.b"]]
        );
    }
}
