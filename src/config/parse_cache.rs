//! What resolving a plan parses that does not depend on the account: its tera templates and
//! whether its worker templates are valid Liquid. A command resolves its plan twice, for a
//! placeholder account while the account is being read and then for the account, and on
//! `gtplan plan` the second resolve is on the critical path. These two parses were 86 % of the
//! quickstart's resolve (10.5 of 12.2 million instructions, `valgrind --tool=callgrind`); the
//! second resolve now finds them done.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use super::template::{TemplateKind, Templates};

/// Which templates replace the built-in ones: (kind, expanded path) pairs.
type Overrides = Vec<(TemplateKind, String)>;

/// Shared by the clones of one [`PlanFile`](super::PlanFile).
#[derive(Default)]
pub struct ParseCache {
    /// The templates last loaded, with the overrides (kind, expanded path) they were loaded for.
    templates: Mutex<Option<(Overrides, Arc<Templates>)>>,
    /// Worker template texts that parsed as Liquid.
    valid_liquid: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseCache").finish_non_exhaustive()
    }
}

impl ParseCache {
    /// The templates for `overrides`, loaded by `load` unless they were already. A failed load
    /// is not kept: its problems are reported again by the next resolve.
    pub fn templates<E>(
        &self,
        overrides: Overrides,
        load: impl FnOnce() -> Result<Templates, E>,
    ) -> Result<Arc<Templates>, E> {
        let mut cached = self
            .templates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((loaded_for, templates)) = cached.as_ref()
            && *loaded_for == overrides
        {
            return Ok(Arc::clone(templates));
        }
        let templates = Arc::new(load()?);
        *cached = Some((overrides, Arc::clone(&templates)));
        Ok(templates)
    }

    /// Checks `text` with `check` unless it already passed; a pass is remembered.
    pub fn liquid<E>(&self, text: &str, check: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let passed = || {
            self.valid_liquid
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if passed().contains(text) {
            return Ok(());
        }
        check()?;
        passed().insert(text.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_load_once_per_set_of_overrides() {
        let cache = ParseCache::default();
        let loads = std::cell::Cell::new(0);
        let plan = crate::config::SourceFile::new("plan.toml", String::new());
        let load = || {
            loads.set(loads.get() + 1);
            Templates::load(&plan, std::path::Path::new("."), &[])
        };
        let first = cache.templates(Vec::new(), load).expect("loads");
        let again = cache.templates(Vec::new(), load).expect("cached");
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(loads.get(), 1);
        let custom = vec![(TemplateKind::RolePolicy, "policy.json.tera".to_owned())];
        cache.templates(custom, load).expect("loads");
        assert_eq!(loads.get(), 2, "other overrides load again");
        let failed = cache.templates(Vec::new(), || Err("bad"));
        assert_eq!(
            failed.err(),
            Some("bad"),
            "the overrides changed back: loaded again"
        );
    }

    #[test]
    fn only_a_passing_liquid_check_is_remembered() {
        let cache = ParseCache::default();
        assert_eq!(cache.liquid("{% if %}", || Err("syntax")), Err("syntax"));
        assert_eq!(
            cache.liquid("{% if %}", || Err("syntax")),
            Err("syntax"),
            "checked again, reported again"
        );
        assert_eq!(
            cache.liquid("<p>{{ task.input }}</p>", || Ok::<_, ()>(())),
            Ok(())
        );
        assert_eq!(
            cache.liquid("<p>{{ task.input }}</p>", || Err(())),
            Ok(()),
            "not checked again"
        );
    }
}
