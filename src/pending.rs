//! Input of an action that carries values, taken out of the action before
//! the request starts.

use std::cell::RefCell;

/// Secrets on their way to an action that seals their values.
///
/// `Action` keeps its input in a signal until the request completes, and
/// hands the async function only a reference. The function takes the
/// secrets out of this cell, so the stored input is an empty shell and the
/// copy of each value exists once, inside the request future, until that
/// future drops it.
pub struct Pending<T>(RefCell<Option<T>>);

impl<T> Pending<T> {
    /// Wraps `input` for one dispatch of an action.
    pub fn new(input: T) -> Self {
        Self(RefCell::new(Some(input)))
    }

    /// Takes the input out; `None` on every call after the first.
    pub fn take(&self) -> Option<T> {
        self.0.borrow_mut().take()
    }
}
