//! The guard that finishes a started task once, also when `secrets run`
//! panics.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

use crate::api::Client;

/// Guard of a started task, which finishes the task when the guard is
/// finished or dropped, whichever comes first. Dropping covers a panic
/// that unwinds, as panics do in this workspace's native builds. A build
/// with `panic = "abort"` drops nothing, so there [`TaskGuard::new`] also
/// installs a panic hook that finishes the task.
#[derive(Debug)]
pub struct TaskGuard {
    open: Arc<Mutex<Option<OpenTask>>>,
}

/// The client, ID and token of a task that is not finished yet.
#[derive(Debug)]
struct OpenTask {
    client: Client,
    task_id: String,
    task_token: Zeroizing<String>,
    /// When the server ends the task by itself, for the warning when
    /// finishing fails.
    expires_at: String,
}

impl TaskGuard {
    /// Guards the task `task_id`, whose token is `task_token`.
    pub fn new(client: &Client, task_id: &str, task_token: &str, expires_at: &str) -> Self {
        let open = Arc::new(Mutex::new(Some(OpenTask {
            client: client.clone(),
            task_id: task_id.to_owned(),
            task_token: Zeroizing::new(task_token.to_owned()),
            expires_at: expires_at.to_owned(),
        })));
        if cfg!(panic = "abort") {
            install_panic_hook(Arc::clone(&open));
        }
        Self { open }
    }

    /// Finishes the task now.
    pub fn finish(self) {
        finish_open_task(&self.open);
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        finish_open_task(&self.open);
    }
}

/// Finishes the task in `open` unless it was finished already. Prints a
/// warning when the request fails, because the token then works until the
/// task expires.
fn finish_open_task(open: &Mutex<Option<OpenTask>>) {
    let task = open.lock().unwrap_or_else(PoisonError::into_inner).take();
    let Some(task) = task else {
        return;
    };
    if let Err(error) = task.client.finish_task(&task.task_id, &task.task_token) {
        // A closed stderr must not cause a panic here.
        let _ = writeln!(
            std::io::stderr(),
            "secrets: warning: finishing task {} failed, so its token works until the task \
             expires at {}: {error}",
            task.task_id,
            task.expires_at
        );
    }
}

/// Makes a panic in any thread finish the task before the process aborts.
/// The previous hook, which prints the panic message, runs first.
fn install_panic_hook(open: Arc<Mutex<Option<OpenTask>>>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        // A thread holds the lock only while it takes the task to finish
        // it, so when the lock is taken, the task is being finished.
        if let Ok(mut open) = open.try_lock() {
            if let Some(task) = open.take() {
                let _ = task.client.finish_task(&task.task_id, &task.task_token);
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_server::{scripted_server, Received, Reply};

    fn request_lines(received: &Mutex<Vec<Received>>) -> Vec<String> {
        let received = received.lock().expect("lock");
        received
            .iter()
            .map(|request| request.request_line.clone())
            .collect()
    }

    fn guard(base_url: &str) -> TaskGuard {
        let client = Client::new(base_url.to_owned());
        TaskGuard::new(&client, "00ff", "task-token", "2030-01-01T00:00:00Z")
    }

    #[test]
    fn task_guard_finishes_once() {
        let (base_url, received) = scripted_server(vec![Reply::json(200, "")]);
        let task = guard(&base_url);
        finish_open_task(&task.open);
        task.finish();
        assert_eq!(
            request_lines(&received),
            ["POST /api/v1/tasks/00ff/finish HTTP/1.1"]
        );
    }

    #[test]
    fn task_guard_finishes_on_panic() {
        let (base_url, received) = scripted_server(vec![Reply::json(200, "")]);
        let task = guard(&base_url);
        let result = std::panic::catch_unwind(move || {
            let _task = task;
            panic!("the command's output could not be copied");
        });
        assert!(result.is_err());
        assert_eq!(
            request_lines(&received),
            ["POST /api/v1/tasks/00ff/finish HTTP/1.1"]
        );
    }

    #[test]
    fn panic_hook_finishes_task() {
        // A build with `panic = "abort"` runs only the hook. Here the hook
        // stays installed for the rest of the tests, which is harmless
        // once it has finished its task.
        let (base_url, received) = scripted_server(vec![Reply::json(200, "")]);
        let task = guard(&base_url);
        install_panic_hook(Arc::clone(&task.open));
        let panicked = std::thread::spawn(|| panic!("a copy thread failed")).join();
        assert!(panicked.is_err());
        assert_eq!(
            request_lines(&received),
            ["POST /api/v1/tasks/00ff/finish HTTP/1.1"]
        );
        assert!(task.open.lock().expect("lock").is_none());
    }
}
