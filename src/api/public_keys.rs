//! The companies' public keys that values are sealed to, cached for as long
//! as the [`Api`](super::Api) handle and its clones live.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use secrets_core::sealed::SealingKey;
use secrets_core::CompanyId;

/// Public key of each company, shared by the clones of one handle.
///
/// A `Mutex` rather than a `RefCell`, because the section's views capture
/// an `Api` in closures that Leptos requires to be `Send` and `Sync`, such
/// as the children of `<Show>`. No lock is held across an `.await`.
#[derive(Clone, Debug, Default)]
pub(super) struct PublicKeyCache(Arc<Mutex<HashMap<CompanyId, SealingKey>>>);

impl PublicKeyCache {
    /// Returns the cached key of `company`.
    pub(super) fn get(&self, company: &CompanyId) -> Option<SealingKey> {
        self.lock().get(company).cloned()
    }

    /// Caches `sealing_key` as the key of `company`, replacing any other.
    pub(super) fn insert(&self, company: CompanyId, sealing_key: SealingKey) {
        self.lock().insert(company, sealing_key);
    }

    /// Drops the key of `company` if it is still the one named `key_id`.
    /// A newer key, which another save may have fetched meanwhile, stays.
    pub(super) fn remove_if_current(&self, company: &CompanyId, key_id: &str) {
        let mut keys = self.lock();
        if keys
            .get(company)
            .is_some_and(|cached| cached.key_id() == key_id)
        {
            keys.remove(company);
        }
    }

    /// Drops every cached key.
    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CompanyId, SealingKey>> {
        // A panic while the lock is held cannot leave the map half
        // changed, because each method changes it in one call.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Base64 of 32 zero bytes: a well-formed public key.
    const PUBLIC_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn company(id: &str) -> CompanyId {
        CompanyId::parse(id).expect("valid company")
    }

    fn sealing_key(key_id: &str) -> SealingKey {
        SealingKey::from_base64(key_id, PUBLIC_KEY).expect("valid key")
    }

    fn cached_key_id(cache: &PublicKeyCache, id: &str) -> Option<String> {
        cache
            .get(&company(id))
            .map(|sealing_key| sealing_key.key_id().to_owned())
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn cache_keeps_one_key_per_company() {
        let cache = PublicKeyCache::default();
        cache.insert(company("acme"), sealing_key("acme-1"));
        cache.insert(company("globex"), sealing_key("globex-1"));

        assert_eq!(cached_key_id(&cache, "acme").as_deref(), Some("acme-1"));
        assert_eq!(cached_key_id(&cache, "globex").as_deref(), Some("globex-1"));
        assert_eq!(
            cached_key_id(&cache.clone(), "acme").as_deref(),
            Some("acme-1")
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn remove_if_current_keeps_newer_key() {
        let cache = PublicKeyCache::default();
        cache.insert(company("acme"), sealing_key("acme-2"));

        cache.remove_if_current(&company("acme"), "acme-1");
        assert_eq!(cached_key_id(&cache, "acme").as_deref(), Some("acme-2"));

        cache.remove_if_current(&company("acme"), "acme-2");
        assert_eq!(cached_key_id(&cache, "acme"), None);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn clear_drops_every_company() {
        let cache = PublicKeyCache::default();
        cache.insert(company("acme"), sealing_key("acme-1"));
        cache.insert(company("globex"), sealing_key("globex-1"));

        cache.clone().clear();

        assert_eq!(cached_key_id(&cache, "acme"), None);
        assert_eq!(cached_key_id(&cache, "globex"), None);
    }
}
