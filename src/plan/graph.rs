//! The order of a plan's changes, and what each must wait for.
//!
//! [`order`] sorts changes for display and for a stable plan: creates and updates by kind
//! (bucket, role, upload, job), then stops and deletes in reverse. [`dependencies`] is what
//! apply runs by, as a DAG: a create or update waits only for what it uses (its `depends_on`:
//! a job for its role, uploads and buckets; an upload for its bucket), and an upload needs its
//! bucket only to exist, unless the bucket's default encryption is being set to a KMS key
//! (objects must be encrypted with it). Stops and deletes run after every create and update,
//! in reverse dependency order (a job stopped before its role is deleted, objects before their
//! bucket).
//!
//! Pure functions of the plan, so the planner and apply always agree.

use super::model::{Action, Change, Plan};
use crate::model::desired::Encryption;
use crate::model::{Kind, Step};

/// Creates and updates (and no-ops) go forward; stops and deletes go backward, after them.
fn is_forward(c: &Change) -> bool {
    matches!(
        c.action,
        Action::NoOp | Action::Create | Action::Update | Action::Wait
    )
}

/// The highest [`rank`].
const LAST_RANK: usize = 5;

/// Kind's position in the dependency chain.
fn rank(kind: Kind) -> usize {
    match kind {
        Kind::Bucket => 0,
        Kind::Role => 1,
        Kind::Upload => 2,
        Kind::Workforce => 3,
        Kind::Team => 4,
        Kind::Job => 5,
    }
}

/// Whether `a` must be finished before `b` starts.
fn must_precede(a: &Change, b: &Change) -> bool {
    let (ka, kb) = (rank(a.address.kind), rank(b.address.kind));
    match (is_forward(a), is_forward(b)) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => a.address != b.address && b.depends_on.contains(&a.address),
        // Deleting undoes creating: what depended on something is deleted before it.
        (false, false) => ka > kb || (a.address != b.address && a.depends_on.contains(&b.address)),
    }
}

/// How far a change must have got before another may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// All its steps done.
    Finished,
    /// The resource exists (its create step done, or at once if it existed): what an upload
    /// needs of its bucket.
    Exists,
}

/// Whether objects may go into the bucket of `change` as soon as it exists: not when the
/// change sets default encryption to a KMS key, which new objects must be encrypted with.
fn objects_may_go_in_early(change: &Change) -> bool {
    !change.steps.iter().any(|s| {
        matches!(
            s,
            Step::PutBucketEncryption {
                encryption: Encryption::Kms { .. },
                ..
            }
        )
    })
}

/// For each change of `plan`, the changes it waits for (indices into `plan.changes`) and how
/// far. No-ops neither wait nor are waited for. A dependency cycle (the resolver rejects them,
/// so only a hand-made saved plan has one) is broken: a change never waits for a later change
/// of the cycle that also waits for it.
pub fn dependencies(plan: &Plan) -> Vec<Vec<(usize, Need)>> {
    let changes = &plan.changes;
    let active = |i: usize| changes[i].action.is_change();
    (0..changes.len())
        .map(|b| {
            if !active(b) {
                return Vec::new();
            }
            (0..changes.len())
                .filter(|&a| a != b && active(a) && must_precede(&changes[a], &changes[b]))
                // Break a cycle: of two changes that each must precede the other, the later
                // in plan order does not wait.
                .filter(|&a| !(a > b && must_precede(&changes[b], &changes[a])))
                .map(|a| {
                    let (ca, cb) = (&changes[a], &changes[b]);
                    let early = is_forward(cb)
                        && ca.address.kind == Kind::Bucket
                        && cb.address.kind == Kind::Upload
                        && objects_may_go_in_early(ca);
                    (a, if early { Need::Exists } else { Need::Finished })
                })
                .collect()
        })
        .collect()
}

/// Sorts changes into display order: creates/updates by kind then address, stops/deletes after
/// them in reverse kind order; within a kind, each after what it depends on (`job.a` after the
/// `job.b` it reads; dependencies across kinds always point the same way as the kind order).
pub fn order(mut changes: Vec<Change>) -> Vec<Change> {
    let key = |c: &Change| {
        let r = rank(c.address.kind);
        (
            !is_forward(c),
            if is_forward(c) { r } else { LAST_RANK - r },
        )
    };
    changes.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.address.cmp(&b.address))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut sorted = Vec::with_capacity(changes.len());
    let mut rest = changes.into_iter().peekable();
    while let Some(first) = rest.next() {
        let k = key(&first);
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|c| key(c) == k) {
            group.push(next);
        }
        sorted.extend(within_kind(group));
    }
    sorted
}

/// A stable topological sort of changes of one kind and direction (Kahn's algorithm, taking
/// the first ready change each time); a cycle keeps the rest in their order.
fn within_kind(group: Vec<Change>) -> Vec<Change> {
    let n = group.len();
    let before = |a: &Change, b: &Change| {
        a.address != b.address
            && if is_forward(b) {
                b.depends_on.contains(&a.address)
            } else {
                a.depends_on.contains(&b.address)
            }
    };
    let mut waiting: Vec<usize> = (0..n)
        .map(|i| (0..n).filter(|&j| before(&group[j], &group[i])).count())
        .collect();
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let next = (0..n)
            .find(|&i| !done[i] && waiting[i] == 0)
            .or_else(|| (0..n).find(|&i| !done[i]))
            .unwrap_or_default();
        done[next] = true;
        out.push(next);
        for i in 0..n {
            if !done[i] && before(&group[next], &group[i]) {
                waiting[i] = waiting[i].saturating_sub(1);
            }
        }
    }
    let mut slots: Vec<Option<Change>> = group.into_iter().map(Some).collect();
    out.into_iter().filter_map(|i| slots[i].take()).collect()
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
            cost: None,
        }
    }

    /// Each active change with what it waits for, by address.
    fn waits(plan: &Plan) -> Vec<(String, Vec<String>)> {
        let deps = dependencies(plan);
        plan.changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.action.is_change())
            .map(|(i, c)| {
                let on = deps[i]
                    .iter()
                    .map(|(j, need)| {
                        let a = plan.changes[*j].address.to_string();
                        match need {
                            Need::Finished => a,
                            Need::Exists => format!("{a} (exists)"),
                        }
                    })
                    .collect();
                (c.address.to_string(), on)
            })
            .collect()
    }

    fn w(address: &str, on: &[&str]) -> (String, Vec<String>) {
        (
            address.to_owned(),
            on.iter().map(|s| (*s).to_owned()).collect(),
        )
    }

    #[test]
    fn creates_wait_only_for_what_they_use() {
        let p = plan(vec![
            c(
                "job.pets",
                Action::Create,
                &["role.labeling", "upload.manifest", "bucket.data"],
            ),
            c("upload.manifest", Action::Create, &["bucket.data"]),
            c("upload.labels", Action::Create, &["bucket.data"]),
            c("role.labeling", Action::Create, &[]),
            c("bucket.data", Action::Create, &[]),
            c("bucket.out", Action::Create, &[]),
        ]);
        assert_eq!(
            waits(&p),
            vec![
                w("bucket.data", &[]),
                w("bucket.out", &[]),
                w("role.labeling", &[]),
                w("upload.labels", &["bucket.data (exists)"]),
                w("upload.manifest", &["bucket.data (exists)"]),
                w(
                    "job.pets",
                    &["bucket.data", "role.labeling", "upload.manifest"]
                ),
            ]
        );
    }

    #[test]
    fn uploads_wait_for_a_kms_default_encryption() {
        let mut bucket = c("bucket.data", Action::Create, &[]);
        bucket.steps.push(Step::PutBucketEncryption {
            bucket: "b".to_owned(),
            encryption: Encryption::Kms {
                key_id: Some("k".to_owned()),
                bucket_key: true,
            },
        });
        let p = plan(vec![
            bucket,
            c("upload.manifest", Action::Create, &["bucket.data"]),
        ]);
        assert_eq!(
            waits(&p),
            vec![
                w("bucket.data", &[]),
                w("upload.manifest", &["bucket.data"])
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
        assert_eq!(waits(&p), vec![w("job.b", &[]), w("job.a", &["job.b"])]);
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
            waits(&p),
            vec![
                w("bucket.new", &[]),
                w("job.old", &["bucket.new"]),
                w("upload.old", &["bucket.new", "job.old"]),
                w("role.old", &["bucket.new", "job.old", "upload.old"]),
                w(
                    "bucket.old",
                    &["bucket.new", "job.old", "upload.old", "role.old"]
                ),
            ]
        );
    }

    #[test]
    fn no_ops_neither_wait_nor_are_waited_for() {
        let p = plan(vec![
            c("job.pets", Action::NoOp, &[]),
            c("bucket.data", Action::NoOp, &[]),
            c("upload.manifest", Action::Update, &["bucket.data"]),
        ]);
        let order: Vec<String> = p.changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(order, ["bucket.data", "upload.manifest", "job.pets"]);
        assert_eq!(waits(&p), vec![w("upload.manifest", &[])]);
    }

    #[test]
    fn a_cycle_is_broken_not_looped() {
        let p = plan(vec![
            c("job.a", Action::Create, &["job.b"]),
            c("job.b", Action::Create, &["job.a"]),
        ]);
        assert_eq!(waits(&p), vec![w("job.a", &[]), w("job.b", &["job.a"])]);
    }
}
