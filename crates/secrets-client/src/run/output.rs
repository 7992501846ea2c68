//! Copying the command's stdout and stderr through a masker.

use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::masking::{Masker, Patterns};

/// Size of one read from the command's pipe: the default pipe buffer of
/// Linux, so that one read usually empties the pipe.
const READ_BYTES: usize = 64 * 1024;

/// A thread that copies one output stream of the command, masked.
#[derive(Debug)]
pub struct OutputCopy<W: Write + Send + 'static> {
    state: Arc<Mutex<CopyState<W>>>,
    done: Receiver<()>,
}

#[derive(Debug)]
struct CopyState<W> {
    masker: Masker,
    sink: W,
    /// Set once the end of the stream was written, after which nothing
    /// more is.
    finished: bool,
}

impl<W: Write + Send + 'static> OutputCopy<W> {
    /// Starts copying `source` to `sink` through a masker of `patterns`.
    /// Each chunk is written and flushed as soon as it is masked.
    pub fn start(source: impl Read + Send + 'static, sink: W, patterns: Arc<Patterns>) -> Self {
        let state = Arc::new(Mutex::new(CopyState {
            masker: Masker::new(patterns),
            sink,
            finished: false,
        }));
        let (done_sender, done) = mpsc::channel();
        let thread_state = Arc::clone(&state);
        std::thread::spawn(move || {
            copy(source, &thread_state);
            finish(&mut lock(&thread_state));
            // The receiver may be gone when the command's output outlived
            // the wait for it.
            let _ = done_sender.send(());
        });
        Self { state, done }
    }

    /// Waits up to `limit` for the end of the stream. A process that the
    /// command started may keep the stream open longer. Then this cuts the
    /// stream off, returns `false` and drops the rest of it.
    pub fn finish_within(&self, limit: Duration) -> bool {
        match self.done.recv_timeout(limit) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
            Err(RecvTimeoutError::Timeout) => {
                cut(&mut lock(&self.state));
                false
            }
        }
    }
}

/// Copies `source` until its end or until writing to the sink fails.
fn copy<W: Write>(mut source: impl Read, state: &Mutex<CopyState<W>>) {
    // The command's raw output passes through `buffer`, which never grows.
    // `masked` may grow, but it only contains bytes that are written to
    // the sink anyway.
    let mut buffer = Zeroizing::new(vec![0u8; READ_BYTES]);
    let mut masked = Zeroizing::new(Vec::with_capacity(READ_BYTES));
    loop {
        let read = match source.read(&mut buffer) {
            Ok(0) => return,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let mut state = lock(state);
        if state.finished {
            return;
        }
        masked.clear();
        state.masker.write(&buffer[..read], &mut masked);
        let written = state
            .sink
            .write_all(&masked)
            .and_then(|()| state.sink.flush());
        // When our own output is closed, stop reading, so that the
        // command gets a broken pipe as it would in a shell pipeline.
        if written.is_err() {
            state.finished = true;
            return;
        }
    }
}

/// Writes the held bytes at the end of the stream, once.
fn finish<W: Write>(state: &mut CopyState<W>) {
    if state.finished {
        return;
    }
    state.finished = true;
    let mut masked = Zeroizing::new(Vec::new());
    state.masker.finish(&mut masked);
    // Nothing is left to do when our own output is closed.
    let _ = state
        .sink
        .write_all(&masked)
        .and_then(|()| state.sink.flush());
}

/// Ends the copy before the end of the stream. The held bytes are
/// discarded, not written: they are a proper prefix of a pattern, so
/// writing them would show up to all but the last byte of a value.
fn cut<W>(state: &mut CopyState<W>) {
    if state.finished {
        return;
    }
    state.finished = true;
    state.masker.discard();
}

fn lock<W>(state: &Mutex<CopyState<W>>) -> MutexGuard<'_, CopyState<W>> {
    // The state stays usable whatever code panicked while holding the lock.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that tests can read while the copy thread writes to it.
    #[derive(Clone, Default)]
    struct SharedSink(Arc<Mutex<Vec<u8>>>);

    impl Write for SharedSink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn copy_masks_until_end_of_stream() {
        let patterns = Patterns::new([("KEY", b"hunter22".as_slice())]);
        let sink = SharedSink::default();
        let source: &'static [u8] = b"password hunter22\nbye\n";
        let copy = OutputCopy::start(source, sink.clone(), patterns);
        assert!(copy.finish_within(Duration::from_secs(10)));
        assert_eq!(
            &sink.0.lock().expect("sink lock")[..],
            b"password [masked KEY]\nbye\n"
        );
    }

    #[test]
    fn copy_discards_held_bytes_when_stream_stays_open() {
        let patterns = Patterns::new([("KEY", b"hunter22".as_slice())]);
        let sink = SharedSink::default();
        let (reader, mut writer) = std::io::pipe().expect("pipe");
        let copy = OutputCopy::start(reader, sink.clone(), patterns);
        writer.write_all(b"log line\nhunter2").expect("write");

        // The stream stays open because `writer` lives on. "hunter2" could
        // still become the value, so it is held and then discarded.
        assert!(!copy.finish_within(Duration::from_millis(300)));
        assert_eq!(&sink.0.lock().expect("sink lock")[..], b"log line\n");

        // Output after that point is dropped.
        writer.write_all(b"2 more\n").expect("write");
        drop(writer);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(&sink.0.lock().expect("sink lock")[..], b"log line\n");
    }
}
