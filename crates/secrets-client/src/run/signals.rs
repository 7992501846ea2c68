//! Passing SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGALRM
//! on to the command.
//!
//! Each of these signals ends a process that does not catch it.
//! `secrets run` catches them instead of dying, so that it can finish the
//! task after the command ends. SIGKILL cannot be caught, so after a
//! SIGKILL the command keeps running and the task stays open until it
//! expires.
//!
//! A signal that the kernel sent (Ctrl-C, Ctrl-\ or a hang-up of the
//! terminal) went to the whole foreground process group, the command
//! included, so only signals that another process sent with `kill` are
//! passed on. A command that got
//! Ctrl-C twice could take the second one as a request to stop without
//! cleaning up.
//!
//! NOTE: a signal that another process sends to the whole process group
//! (`kill -TERM -PGID`) reaches the command twice: directly, and passed on
//! by `secrets run`. Its siginfo shows only that a process sent it, not
//! that it went to the group, so it cannot be distinguished from a signal
//! sent to `secrets run` alone.

use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::Cause;

/// The signals that are caught and passed on.
const FORWARDED_SIGNALS: [i32; 7] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM];

/// How often the command is checked for having exited.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Catches the signals and passes them on to the command once it runs.
#[derive(Debug)]
pub struct SignalForwarder {
    shared: Arc<Mutex<Shared>>,
}

#[derive(Debug, Default)]
struct Shared {
    /// The running command. Cleared under the lock before the command is
    /// reaped, so its process ID cannot have been reused by another
    /// process when a signal is sent to it.
    child: Option<Pid>,
    /// The first signal caught.
    received: Option<i32>,
}

impl SignalForwarder {
    /// Starts catching the signals in a background thread.
    pub fn start() -> std::io::Result<Self> {
        let mut signals = SignalsInfo::<WithOrigin>::new(FORWARDED_SIGNALS)?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let forwarder_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("signals".to_owned())
            .spawn(move || {
                for origin in signals.forever() {
                    let mut shared = lock(&forwarder_shared);
                    shared.received.get_or_insert(origin.signal);
                    if let (Some(child), true) = (shared.child, should_forward(origin.cause)) {
                        if let Ok(signal) = Signal::try_from(origin.signal) {
                            // The command may have exited already, so an
                            // error here needs no action.
                            let _ = kill(child, signal);
                        }
                    }
                }
            })?;
        Ok(Self { shared })
    }

    /// Returns the first signal caught so far.
    pub fn received(&self) -> Option<i32> {
        lock(&self.shared).received
    }

    /// Spawns `command` unless a signal was caught already, in which case
    /// it returns `Ok(None)`. From then on, signals go to the command.
    pub fn spawn(&self, command: &mut Command) -> std::io::Result<Option<Child>> {
        let mut shared = lock(&self.shared);
        if shared.received.is_some() {
            return Ok(None);
        }
        let child = command.spawn()?;
        let pid = i32::try_from(child.id()).expect("process IDs fit in pid_t");
        shared.child = Some(Pid::from_raw(pid));
        Ok(Some(child))
    }

    /// Waits for the command to exit, and reaps it.
    pub fn wait(&self, child: &mut Child) -> std::io::Result<ExitStatus> {
        loop {
            // Reaping under the lock keeps the signal thread from sending
            // a signal to a process ID that is free again.
            let mut shared = lock(&self.shared);
            if let Some(status) = child.try_wait()? {
                shared.child = None;
                return Ok(status);
            }
            drop(shared);
            std::thread::sleep(EXIT_POLL_INTERVAL);
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // The state stays valid whatever code panicked while holding the lock.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Returns `true` for a signal that the command did not receive itself:
/// every signal that the kernel did not send to the process group.
fn should_forward(cause: Cause) -> bool {
    !matches!(cause, Cause::Kernel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use signal_hook::low_level::siginfo::Sent;

    #[test]
    fn forward_only_signals_from_processes() {
        assert!(should_forward(Cause::Sent(Sent::User)));
        assert!(should_forward(Cause::Sent(Sent::TKill)));
        assert!(should_forward(Cause::Unknown));
        assert!(!should_forward(Cause::Kernel));
    }
}
