//! The activity list: the latest changes to a company's secrets, newest
//! first, with older pages loaded on request.

use leptos::prelude::*;
use secrets_core::api::ActivityPage;
use secrets_core::CompanyId;

use crate::activity_pages::{extend_history, join_pages, join_target, OlderPage};
use crate::api::{Api, ApiError};
use crate::components::load_error::LoadState;
use crate::components::{ActivityItem, LoadError};

/// Maximum number of extra requests that a reload of the newest page makes
/// to join the older pages already shown. At the default page size,
/// [`secrets_core::api::ACTIVITY_PAGE_DEFAULT`] (20), the join works for up
/// to 100 new events.
const MAX_JOIN_REQUESTS: usize = 5;

/// Section that lists a company's activity events, newest first, with a
/// "Show older activity" button while older events exist. Events contain
/// no value, and member names and keys are shown as text.
#[component]
pub fn ActivityList(
    /// Company whose activity is shown.
    company: CompanyId,
    /// Client that loads the activity.
    api: Api,
    /// Counter that the section increases after each confirmed change. The
    /// list reloads its newest page whenever it changes.
    #[prop(into)]
    version: Signal<u32>,
) -> impl IntoView {
    // Older pages that the owner loaded with "Show older activity", in the
    // order they arrived.
    let older_pages = RwSignal::new(Vec::<OlderPage>::new());

    // The newest page. A reload keeps the older pages already shown, so it
    // fetches as many pages as it needs to reach them.
    let newest = LocalResource::new({
        let api = api.clone();
        let company = company.clone();
        move || {
            version.track();
            let target = older_pages.with_untracked(|pages| join_target(pages));
            let api = api.clone();
            let company = company.clone();
            async move { load_newest(&api, &company, target).await }
        }
    });
    let load_state = Memo::new(move |_| newest.with(LoadState::of));
    let visible_activity = Memo::new(move |_| {
        newest.with(|loaded| match loaded {
            Some(Ok(page)) => older_pages.with(|older| join_pages(page, older)),
            _ => ActivityPage {
                events: Vec::new(),
                next_before: None,
            },
        })
    });
    let is_empty = move || visible_activity.with(|page| page.events.is_empty());
    let has_older = move || visible_activity.with(|page| page.next_before.is_some());

    // Loading an older page.
    let load_older = Action::new_local(move |before: &i64| {
        let before = *before;
        let api = api.clone();
        let company = company.clone();
        async move {
            let page = api.activity_page(&company, Some(before)).await?;
            older_pages.try_update(|pages| {
                pages.retain(|loaded| loaded.before != before);
                pages.push(OlderPage { before, page });
            });
            Ok::<(), ApiError>(())
        }
    });
    let loading_older = load_older.pending();
    let older_error = move || {
        load_older
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| format!("Older activity could not be loaded. {error}"))
    };

    // Handlers.
    let on_retry = Callback::new(move |()| newest.refetch());
    let on_show_older = move |_| {
        if let Some(before) = visible_activity.with_untracked(|page| page.next_before) {
            load_older.dispatch_local(before);
        }
    };

    let events_view = move || {
        view! {
            <Show
                when=move || !is_empty()
                fallback=|| view! { <p class="activity-empty">"No activity yet."</p> }
            >
                <ol class="activity-list">
                    <For
                        each=move || visible_activity.with(|page| page.events.clone())
                        key=|event| event.id
                        children=|event| view! { <ActivityItem event /> }
                    />
                </ol>
            </Show>
            <Show when=has_older>
                <button
                    type="button"
                    class="activity-older"
                    disabled=move || loading_older.get()
                    aria-busy=move || loading_older.get().then_some("true")
                    on:click=on_show_older
                >
                    "Show older activity"
                </button>
            </Show>
            <p class="activity-error" role="alert">{older_error}</p>
        }
    };
    let body_view = move || match load_state.get() {
        LoadState::Loading => {
            view! { <p class="activity-loading">"Loading activity…"</p> }.into_any()
        }
        LoadState::Loaded => events_view().into_any(),
        LoadState::Failed(error) => view! {
            <LoadError summary="The activity could not be loaded." error on_retry />
        }
        .into_any(),
    };

    view! {
        <section class="activity" aria-labelledby="activity-heading">
            <h3 id="activity-heading" class="activity-title">"Activity"</h3>
            {body_view}
        </section>
    }
}

/// Loads the newest page, then older pages until the result reaches
/// `target`, the cursor where the older pages already shown begin. With no
/// target, only the newest page is loaded.
///
/// NOTE: After [`MAX_JOIN_REQUESTS`] extra requests it stops, and the older
/// pages stay hidden until "Show older activity" loads the events between.
async fn load_newest(
    api: &Api,
    company: &CompanyId,
    target: Option<i64>,
) -> Result<ActivityPage, ApiError> {
    let mut history = api.activity_page(company, None).await?;
    let Some(target) = target else {
        return Ok(history);
    };
    for _ in 0..MAX_JOIN_REQUESTS {
        match history.next_before {
            Some(end) if end > target => {
                let older = api.activity_page(company, Some(end)).await?;
                extend_history(&mut history, &older);
            }
            _ => break,
        }
    }
    Ok(history)
}
