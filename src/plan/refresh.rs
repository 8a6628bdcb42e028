//! Refresh: reads everything the plan is about from AWS, through the [`Cloud`] trait, before
//! the (pure) diff. For each desired resource, what exists under its name, read once (uploads
//! through their bucket's listing, see [`Uploads`]); plus the
//! plan's orphans, resources that carry the plan's tag (roles: live under its IAM path) but are
//! no longer in the plan file: their names come from one discovery call, and only those not in
//! the plan are read in full, in a second level. Reads only, at most `parallelism` in flight;
//! the result is in `BTreeMap`s and sorted vectors, so the same world always refreshes the same.

use std::collections::BTreeMap;

use futures::{FutureExt, StreamExt, TryStreamExt};
use md5::{Digest, Md5};

use crate::cloud::{Cloud, CloudError};
use crate::model::desired::{DesiredRole, DesiredState, DesiredUpload};
use crate::model::names::{BucketName, JobName, ObjectKey, PlanName, RoleName};
use crate::model::observed::{
    BucketLookup, BucketRegion, ObjectListing, ObservedBucket, ObservedJob, ObservedObject,
    ObservedRole, ObservedState, Orphan, PlanResources,
};
use crate::model::workforce::{Identity, ObservedPool, ObservedTeam, ObservedWorkforce};
use crate::model::{Address, Kind, TAG_ADDRESS, TAG_PLAN, Tags, upload_metadata};

/// How refresh reads the plan's uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploads {
    /// With their bucket: one listing of the bucket under the uploads' common prefix, read at
    /// the same time as the bucket; an upload whose ETag is the MD5 of its body is in place.
    /// Only the others get a `HeadObject`, after. For plan and apply.
    Listed,
    /// A `HeadObject` each, for the metadata that says whose an object is: destroy deletes
    /// only what carries the plan's mark.
    Headed,
}

/// Whether refresh also looks for the plan's orphans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orphans {
    /// Found by one discovery call (the tagging API, and IAM's listing of the plan's path),
    /// then read in full. For plan, apply and destroy.
    Find,
    /// Only what the plan names is read: the read-back after an apply, whose deletes have all
    /// answered.
    Skip,
}

/// One read refresh makes.
enum Read<'a> {
    PlanResources(&'a PlanName),
    Bucket(&'a Address, &'a BucketName, Option<String>),
    Role(&'a Address, &'a DesiredRole),
    Upload(&'a Address, &'a BucketName, &'a ObjectKey),
    Job(&'a Address, &'a JobName),
    ExternalBucket(&'a str),
    Workforce,
    Pool(&'a str),
    Team(&'a Address, &'a str),
}

/// What one read found.
enum Found {
    PlanResources(PlanResources),
    Bucket(Address, BucketLookup, Option<ObjectListing>),
    Role(Address, Option<ObservedRole>),
    Upload(Address, Option<ObservedObject>),
    Job(Address, Box<Option<ObservedJob>>),
    ExternalBucket(String, BucketRegion),
    Workforce(Option<ObservedWorkforce>),
    Pool(Option<ObservedPool>),
    Team(Address, Option<ObservedTeam>),
}

async fn run(cloud: &dyn Cloud, read: Read<'_>) -> Result<Found, CloudError> {
    Ok(match read {
        Read::PlanResources(plan) => Found::PlanResources(cloud.plan_resources(plan).await?),
        Read::Bucket(address, name, list) => {
            let (lookup, listing) = cloud.bucket_and_objects(name, list.as_deref()).await?;
            Found::Bucket(address.clone(), lookup, listing)
        }
        Read::Role(address, role) => Found::Role(
            address.clone(),
            cloud
                .role(
                    &role.name,
                    &role.inline_policies.keys().cloned().collect::<Vec<_>>(),
                )
                .await?,
        ),
        Read::Upload(address, bucket, key) => {
            Found::Upload(address.clone(), cloud.object(bucket, key).await?)
        }
        Read::Job(address, name) => Found::Job(address.clone(), Box::new(cloud.job(name).await?)),
        Read::ExternalBucket(name) => {
            Found::ExternalBucket(name.to_owned(), cloud.bucket_region(name).await?)
        }
        Read::Workforce => Found::Workforce(cloud.workforce().await?),
        Read::Pool(name) => Found::Pool(cloud.user_pool(name).await?),
        Read::Team(address, name) => Found::Team(address.clone(), cloud.team(name).await?),
    })
}

/// The workforce (with the pool the plan creates for it) and the teams.
fn people_reads(desired: &DesiredState) -> Vec<Read<'_>> {
    let mut reads = Vec::new();
    if let Some((_, workforce)) = &desired.workforce {
        reads.push(Read::Workforce);
        if let Identity::NewCognitoPool { pool_name, .. } = &workforce.identity {
            reads.push(Read::Pool(pool_name));
        }
    }
    reads.extend(desired.teams.iter().map(|(a, t)| Read::Team(a, &t.name)));
    reads
}

/// Reads the live state of everything `desired` names, and the plan's orphans. Stops at the
/// first failed read (its error says which). The account is `desired`'s: the plan was resolved
/// for the account these credentials belong to.
pub async fn refresh(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    parallelism: usize,
    uploads: Uploads,
    discovery: Orphans,
) -> Result<ObservedState, CloudError> {
    let plan = &desired.plan;
    // Uploads into a bucket the plan manages are seen in that bucket's listing.
    let listed = |u: &DesiredUpload| {
        uploads == Uploads::Listed && desired.buckets.values().any(|b| b.name == u.bucket)
    };
    let mut reads = match discovery {
        Orphans::Find => vec![Read::PlanResources(plan)],
        Orphans::Skip => Vec::new(),
    };
    reads.extend(desired.buckets.iter().map(|(a, b)| {
        let keys = desired
            .uploads
            .values()
            .filter(|u| u.bucket == b.name && listed(u))
            .map(|u| u.key.as_str());
        Read::Bucket(a, &b.name, common_prefix(keys))
    }));
    reads.extend(desired.roles.iter().map(|(a, r)| Read::Role(a, r)));
    reads.extend(
        desired
            .uploads
            .iter()
            .filter(|(_, u)| !listed(u))
            .map(|(a, u)| Read::Upload(a, &u.bucket, &u.key)),
    );
    reads.extend(desired.jobs.iter().map(|(a, j)| Read::Job(a, &j.spec.name)));
    reads.extend(
        desired
            .external_buckets
            .keys()
            .map(|b| Read::ExternalBucket(b)),
    );
    reads.extend(people_reads(desired));

    let found: Vec<Found> = futures::stream::iter(reads)
        .map(|read| run(cloud, read))
        .buffer_unordered(parallelism.max(1))
        .try_collect()
        .await?;

    let mut observed = ObservedState {
        account_id: desired.account_id.clone(),
        buckets: BTreeMap::new(),
        roles: BTreeMap::new(),
        uploads: BTreeMap::new(),
        jobs: BTreeMap::new(),
        orphans: Vec::new(),
        external_buckets: BTreeMap::new(),
        workforce: None,
        pool: None,
        teams: BTreeMap::new(),
    };
    let (marked, listings) = record(&mut observed, found);

    // What the listings could not settle is read object by object, with the orphans.
    let mut unsettled = Vec::new();
    for (address, want) in desired.uploads.iter().filter(|(_, u)| listed(u)) {
        match listings.get(want.bucket.as_str()) {
            // The bucket does not exist (or is not ours to read): neither does the object.
            None => {
                observed.uploads.insert(address.clone(), None);
            }
            Some(listing) => match settled(desired, address, want, listing.as_ref()) {
                Listed::Missing => {
                    observed.uploads.insert(address.clone(), None);
                }
                Listed::InPlace(object) => {
                    observed.uploads.insert(address.clone(), Some(object));
                }
                Listed::Unknown => unsettled.push(Read::Upload(address, &want.bucket, &want.key)),
            },
        }
    }
    let (heads, tagged) = futures::join!(
        futures::stream::iter(unsettled)
            .map(|read| run(cloud, read))
            .buffer_unordered(parallelism.max(1))
            .try_collect::<Vec<Found>>(),
        read_left_behind(cloud, desired, marked, parallelism),
    );
    for f in heads? {
        if let Found::Upload(a, o) = f {
            observed.uploads.insert(a, o);
        }
    }
    observed.orphans = orphans(desired, tagged?);
    Ok(observed)
}

/// Puts what the reads found into `observed`; returns the plan's marked resources and the
/// buckets' listings, which the next stage needs.
fn record(
    observed: &mut ObservedState,
    found: Vec<Found>,
) -> (PlanResources, BTreeMap<String, Option<ObjectListing>>) {
    let mut marked = PlanResources::default();
    let mut listings = BTreeMap::new();
    for f in found {
        match f {
            Found::PlanResources(names) => marked = names,
            Found::Bucket(a, b, listing) => {
                if let BucketLookup::Found(bucket) = &b {
                    listings.insert(bucket.name.clone(), listing);
                }
                observed.buckets.insert(a, b);
            }
            Found::Role(a, r) => {
                observed.roles.insert(a, r);
            }
            Found::Upload(a, o) => {
                observed.uploads.insert(a, o);
            }
            Found::Job(a, j) => {
                observed.jobs.insert(a, *j);
            }
            Found::ExternalBucket(name, region) => {
                observed.external_buckets.insert(name, region);
            }
            Found::Workforce(w) => observed.workforce = w,
            Found::Pool(p) => observed.pool = p,
            Found::Team(a, t) => {
                observed.teams.insert(a, t);
            }
        }
    }
    (marked, listings)
}

/// An upload as its bucket's listing shows it.
#[derive(Debug, PartialEq)]
enum Listed {
    /// Not in a complete listing.
    Missing,
    /// Its ETag is the MD5 of the body gtplan would upload: the content is in place, and
    /// gtplan's metadata on it is taken as written, not read.
    InPlace(ObservedObject),
    /// Only a `HeadObject` can say: another body, a multipart or KMS-encrypted object, a
    /// listing cut short.
    Unknown,
}

fn settled(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredUpload,
    listing: Option<&ObjectListing>,
) -> Listed {
    let Some(listing) = listing else {
        return Listed::Unknown;
    };
    let Some(listed) = listing.objects.get(want.key.as_str()) else {
        return if listing.complete {
            Listed::Missing
        } else {
            Listed::Unknown
        };
    };
    let Some(body) = want.body.bytes() else {
        return Listed::Unknown;
    };
    if listed.size != body.len() as u64 || listed.etag != hex::encode(Md5::digest(body)) {
        return Listed::Unknown;
    }
    Listed::InPlace(ObservedObject {
        bucket: want.bucket.to_string(),
        key: want.key.to_string(),
        sha256: Some(want.sha256.clone()),
        size: listed.size,
        metadata: upload_metadata(&want.sha256, &desired.plan, address),
    })
}

/// The longest prefix the keys share, `None` without keys. Cut at a `/` when there is one,
/// so that the listing covers a folder, not half a file name.
fn common_prefix<'a>(mut keys: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = keys.next()?;
    let mut len = first.len();
    for key in keys {
        len = first
            .bytes()
            .zip(key.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    let shared = &first[..len];
    Some(match shared.rfind('/') {
        Some(slash) => shared[..=slash].to_owned(),
        None if len == first.len() => shared.to_owned(),
        None => String::new(),
    })
}

/// Reads in full what carries the plan's mark but the plan file no longer names (usually
/// nothing). A labeling job counts only while it runs: a finished one needs nothing.
async fn read_left_behind(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    marked: PlanResources,
    parallelism: usize,
) -> Result<Tagged, CloudError> {
    enum Left {
        Bucket(ObservedBucket),
        Role(ObservedRole),
        Job(Box<ObservedJob>),
        Team(Box<ObservedTeam>),
    }
    let buckets = marked
        .buckets
        .into_iter()
        .filter(|n| !desired.buckets.values().any(|b| b.name.as_str() == n))
        .filter_map(|n| BucketName::parse(&n).ok())
        .map(|name| async move {
            Ok(match cloud.bucket(&name).await? {
                BucketLookup::Found(b) => Some(Left::Bucket(*b)),
                _ => None,
            })
        })
        .map(FutureExt::boxed)
        .collect::<Vec<_>>();
    let roles = marked
        .roles
        .into_iter()
        // IAM role names are case-insensitive.
        .filter(|n| {
            !desired
                .roles
                .values()
                .any(|r| r.name.as_str().eq_ignore_ascii_case(n))
        })
        .filter_map(|n| RoleName::parse(&n).ok())
        .map(|name| async move { Ok(cloud.role(&name, &[]).await?.map(Left::Role)) })
        .map(FutureExt::boxed)
        .collect::<Vec<_>>();
    let jobs = marked
        .jobs
        .into_iter()
        .filter(|n| !desired.jobs.values().any(|j| j.spec.name.same_job(n)))
        .filter_map(|n| JobName::parse(&n).ok())
        .map(|name| async move {
            Ok(cloud
                .running_job(&name)
                .await?
                .map(|j| Left::Job(Box::new(j))))
        })
        .map(FutureExt::boxed)
        .collect::<Vec<_>>();
    let teams = marked
        .teams
        .into_iter()
        .filter(|n| {
            !desired
                .teams
                .values()
                .any(|t| t.name.eq_ignore_ascii_case(n))
        })
        .map(|name| async move { Ok(cloud.team(&name).await?.map(|t| Left::Team(Box::new(t)))) })
        .map(FutureExt::boxed)
        .collect::<Vec<_>>();
    let left: Vec<Option<Left>> =
        futures::stream::iter(buckets.into_iter().chain(roles).chain(jobs).chain(teams))
            .buffer_unordered(parallelism.max(1))
            .try_collect()
            .await?;
    let mut tagged = Tagged::default();
    for found in left.into_iter().flatten() {
        match found {
            Left::Bucket(b) => tagged.buckets.push(b),
            Left::Role(r) => tagged.roles.push(r),
            Left::Job(j) => tagged.jobs.push(*j),
            Left::Team(t) => tagged.teams.push(*t),
        }
    }
    Ok(tagged)
}

/// What the plan-wide listings found.
#[derive(Default)]
struct Tagged {
    roles: Vec<ObservedRole>,
    buckets: Vec<ObservedBucket>,
    jobs: Vec<ObservedJob>,
    teams: Vec<ObservedTeam>,
}

/// The plan's resources that the plan file no longer names. A resource counts as the plan's
/// only with the plan's `gtplan:plan` tag (a role under the plan's path without it was not made
/// by gtplan and is never deleted); it is an orphan when no desired resource of its kind has
/// its name (so a resource whose address now names something else, e.g. a renamed job, is one
/// too). Sorted by address, then name.
fn orphans(desired: &DesiredState, tagged: Tagged) -> Vec<Orphan> {
    let plan = desired.plan.as_str();
    let ours = |tags: &Tags| tags.get(TAG_PLAN).map(String::as_str) == Some(plan);
    let mut out = Vec::new();
    for bucket in tagged.buckets {
        let wanted = desired
            .buckets
            .values()
            .any(|b| b.name.as_str() == bucket.name);
        if ours(&bucket.tags) && !wanted {
            let address = orphan_address(Kind::Bucket, &bucket.tags, &bucket.name);
            out.push((
                (address.clone(), bucket.name.clone()),
                Orphan::Bucket { address, bucket },
            ));
        }
    }
    for role in tagged.roles {
        // IAM role names are case-insensitive.
        let wanted = desired
            .roles
            .values()
            .any(|r| r.name.as_str().eq_ignore_ascii_case(&role.name));
        if ours(&role.tags) && !wanted {
            let address = orphan_address(Kind::Role, &role.tags, &role.name);
            out.push((
                (address.clone(), role.name.clone()),
                Orphan::Role { address, role },
            ));
        }
    }
    for job in tagged.jobs {
        let wanted = desired
            .jobs
            .values()
            .any(|j| j.spec.name.same_job(job.spec.name.as_str()));
        if ours(&job.spec.tags) && !wanted {
            let address = orphan_address(Kind::Job, &job.spec.tags, job.spec.name.as_str());
            let name = job.spec.name.to_string();
            out.push((
                (address.clone(), name),
                Orphan::Job {
                    address,
                    job: Box::new(job),
                },
            ));
        }
    }
    for team in tagged.teams {
        if ours(&team.tags) {
            let address = orphan_address(Kind::Team, &team.tags, &team.name);
            out.push((
                (address.clone(), team.name.clone()),
                Orphan::Team {
                    address,
                    team: Box::new(team),
                },
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, orphan)| orphan).collect()
}

/// The address an orphan had in the plan: its `gtplan:address` tag when that names a
/// resource of the right kind, else `<kind>.<name>`.
fn orphan_address(kind: Kind, tags: &Tags, name: &str) -> Address {
    tags.get(TAG_ADDRESS)
        .and_then(|a| a.parse::<Address>().ok())
        .filter(|a| a.kind == kind)
        .unwrap_or_else(|| Address::new(kind, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::observed::ListedObject;
    use crate::plan::diff::fixture::{
        applied, desired, observed_bucket, observed_job, observed_role, spec, tags,
    };

    #[test]
    fn the_listing_prefix_is_the_folder_the_keys_share() {
        let prefix = |keys: &[&str]| common_prefix(keys.iter().copied());
        assert_eq!(prefix(&[]), None);
        assert_eq!(prefix(&["input/a.json"]).as_deref(), Some("input/"));
        assert_eq!(
            prefix(&["in/x/a", "in/x/b", "in/y"]).as_deref(),
            Some("in/")
        );
        assert_eq!(prefix(&["images/a", "input/b"]).as_deref(), Some(""));
        assert_eq!(prefix(&["a.json"]).as_deref(), Some("a.json"));
        assert_eq!(prefix(&["a.json", "b.json"]).as_deref(), Some(""));
    }

    #[test]
    fn a_listed_upload_is_settled_only_by_the_md5_of_its_body() {
        let d = desired();
        let (address, want) = d.uploads.iter().next().expect("an upload");
        let body = want.body.bytes().expect("inline body");
        let listed = |etag: String, complete| {
            let object = ListedObject {
                etag,
                size: body.len() as u64,
            };
            ObjectListing {
                objects: BTreeMap::from([(want.key.to_string(), object)]),
                complete,
            }
        };
        let md5 = hex::encode(Md5::digest(body));
        // In place: what a HeadObject of gtplan's own upload would have said.
        let expected = applied(&d).uploads[address].clone().expect("applied");
        assert_eq!(
            settled(&d, address, want, Some(&listed(md5.clone(), false))),
            Listed::InPlace(expected)
        );
        // Another body, or a multipart ETag: only HeadObject can tell.
        let other = "0".repeat(32);
        assert_eq!(
            settled(&d, address, want, Some(&listed(other, true))),
            Listed::Unknown
        );
        let multipart = format!("{md5}-2");
        assert_eq!(
            settled(&d, address, want, Some(&listed(multipart, true))),
            Listed::Unknown
        );
        // Absent from a complete listing: missing; from a truncated one: unknown.
        let empty = |complete| ObjectListing {
            objects: BTreeMap::new(),
            complete,
        };
        let settle = |listing: Option<ObjectListing>| settled(&d, address, want, listing.as_ref());
        assert_eq!(settle(Some(empty(true))), Listed::Missing);
        assert_eq!(settle(Some(empty(false))), Listed::Unknown);
        assert_eq!(settle(None), Listed::Unknown);
    }

    fn addresses(orphans: &[Orphan]) -> Vec<String> {
        orphans
            .iter()
            .map(|o| match o {
                Orphan::Bucket { address, bucket } => format!("{address} {}", bucket.name),
                Orphan::Role { address, role } => format!("{address} {}", role.name),
                Orphan::Job { address, job } => format!("{address} {}", job.spec.name),
                Orphan::Team { address, team } => format!("{address} {}", team.name),
            })
            .collect()
    }

    #[test]
    fn the_plans_own_resources_are_not_orphans() {
        let d = desired();
        let tagged = Tagged {
            roles: d.roles.values().map(observed_role).collect(),
            buckets: d.buckets.values().map(observed_bucket).collect(),
            jobs: vec![observed_job(&spec())],
            teams: Vec::new(),
        };
        assert!(orphans(&d, tagged).is_empty());
    }

    #[test]
    fn tagged_resources_missing_from_the_plan_are_orphans_sorted_by_address() {
        let d = desired();
        let mut old_role = observed_role(d.roles.values().next().expect("a role"));
        old_role.name = "gtplan-quickstart-old".to_owned();
        old_role.tags = tags("role.old", &[]);
        // Under the plan's path but not tagged by gtplan: never planned for deletion.
        let mut stranger = old_role.clone();
        stranger.name = "hand-made".to_owned();
        stranger.tags = Tags::new();
        let mut old_bucket = observed_bucket(d.buckets.values().next().expect("a bucket"));
        old_bucket.name = "gtplan-quickstart-archive".to_owned();
        old_bucket.tags = tags("bucket.archive", &[]);
        // A job renamed in the plan: the old job keeps the address, but it is another job.
        let mut old_spec = spec();
        old_spec.name = crate::model::names::JobName::parse("quickstart-pets-0").expect("name");
        // No address tag: named after itself.
        let mut untagged_address = old_role.clone();
        untagged_address.name = "gtplan-quickstart-z".to_owned();
        untagged_address.tags.remove(TAG_ADDRESS);
        let tagged = Tagged {
            roles: vec![stranger, untagged_address, old_role],
            buckets: vec![old_bucket],
            jobs: vec![observed_job(&old_spec), observed_job(&spec())],
            teams: Vec::new(),
        };
        assert_eq!(
            addresses(&orphans(&d, tagged)),
            [
                "bucket.archive gtplan-quickstart-archive",
                "role.gtplan-quickstart-z gtplan-quickstart-z",
                "role.old gtplan-quickstart-old",
                "job.pets quickstart-pets-0",
            ]
        );
    }

    #[test]
    fn a_role_differing_only_in_case_is_the_desired_role() {
        let d = desired();
        let mut role = observed_role(d.roles.values().next().expect("a role"));
        role.name = role.name.to_ascii_uppercase();
        let tagged = Tagged {
            roles: vec![role],
            ..Tagged::default()
        };
        assert!(orphans(&d, tagged).is_empty());
    }
}
