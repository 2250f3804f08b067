//! Small helpers over JavaScript values. The runtime's own messages (start
//! options, container state) are JSON read and written by the JS engine's
//! `JSON`, not serde_json: its parser would add tens of KB to every
//! Worker's wasm.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use worker::js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Sets `key` on a plain object.
pub fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `key` of `value`, when present and not `undefined`/`null`.
pub fn get(value: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(value, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// A plain object holding `pairs` as string properties.
pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        set(&object, key, &JsValue::from_str(value));
    }
    object
}

/// The string properties of a plain object.
pub fn string_pairs(object: &JsValue) -> std::collections::BTreeMap<String, String> {
    Object::entries(&Object::from(object.clone()))
        .iter()
        .filter_map(|entry| {
            let pair = Array::from(&entry);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// `JSON.stringify(value)`.
pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// `JSON.parse(text)`, with the parser's message on failure.
pub fn parse(text: &str) -> Result<JsValue, String> {
    JSON::parse(text).map_err(|e| describe(&e))
}

/// A JS error's message, or its string form.
pub fn describe(error: &JsValue) -> String {
    get(error, "message")
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".into())
}

/// Whether `target` has a method `name` (some container calls exist only
/// under a compatibility flag).
pub fn has_method(target: &JsValue, name: &str) -> bool {
    Reflect::get(target, &JsValue::from_str(name)).is_ok_and(|f| f.is_function())
}

/// Calls `target.name(...args)`; a missing method or a throw is the
/// error's message.
pub fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let method = Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("this workerd has no `{name}` on the container handle: update workerd"))?;
    method.apply(target, &args.iter().collect::<Array>()).map_err(|e| describe(&e))
}

/// What `value` resolves to when it is a promise (else `value` itself),
/// with the rejection's message.
pub async fn settled(value: JsValue) -> Result<JsValue, String> {
    match value.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| describe(&e)),
        Err(value) => Ok(value),
    }
}

/// A promise of `future`'s outcome, polled once right away: an outcome
/// ready without waiting (a hook that answers itself) resolves it at once,
/// skipping the task queue's turn an async export takes (about 20 µs a
/// request in workerd 1.20260305); only a future that waits is spawned.
pub fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    // Unwind safe as an exported async fn's future must be: its state is
    // never seen again after a panic.
    let mut future = Box::pin(AssertUnwindSafe(future));
    // No task exists yet to wake, so the first poll gets a waker that
    // wakes whichever task polled last. A waker that does nothing would
    // do for futures that take each poll's waker, but `worker::Delay`
    // keeps the one of its first poll: a timer first polled here (in a
    // hook, say) would never wake its task.
    let forward = Arc::new(Forward::default());
    let waker = Waker::from(Arc::clone(&forward));
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(Ok(value)) => Promise::resolve(&value),
        Poll::Ready(Err(error)) => Promise::reject(&error),
        Poll::Pending => future_to_promise(Forwarded { future, forward, waker }),
    }
}

/// Wakes the task that polled a [`Forwarded`] future last.
#[derive(Default)]
struct Forward(Mutex<Option<Waker>>);

impl Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Before its task first polls, the task's first poll is due anyway.
        if let Some(task) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            task.wake_by_ref();
        }
    }
}

/// A future polled, always, with the forwarding waker of its first poll.
struct Forwarded<F> {
    future: Pin<Box<F>>,
    forward: Arc<Forward>,
    waker: Waker,
}

impl<F: Future> Future for Forwarded<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        {
            let mut task = self.forward.0.lock().unwrap_or_else(|e| e.into_inner());
            if !task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        let this = &mut *self;
        this.future.as_mut().poll(&mut Context::from_waker(&this.waker))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use super::{Forward, Forwarded};

    /// Keeps the waker of its first poll only, as `worker::Delay` does.
    struct FirstWakerOnly {
        kept: Rc<RefCell<Option<Waker>>>,
        done: Rc<Cell<bool>>,
    }

    impl Future for FirstWakerOnly {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.done.get() {
                return Poll::Ready(());
            }
            self.kept.borrow_mut().get_or_insert_with(|| cx.waker().clone());
            Poll::Pending
        }
    }

    /// Counts its wakes: the task an executor would poll again.
    #[derive(Default)]
    struct Task(AtomicUsize);

    impl Wake for Task {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_future_that_keeps_its_first_waker_wakes_the_task_that_polls_it_later() {
        let (kept, done) = (Rc::new(RefCell::new(None)), Rc::new(Cell::new(false)));
        let mut future = Box::pin(FirstWakerOnly { kept: Rc::clone(&kept), done: Rc::clone(&done) });
        // The first poll, before any task exists.
        let forward = Arc::new(Forward::default());
        let waker = Waker::from(Arc::clone(&forward));
        assert!(future.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        // Spawned: its task polls it.
        let task = Arc::new(Task::default());
        let mut forwarded = Forwarded { future, forward, waker };
        let task_waker = Waker::from(Arc::clone(&task));
        assert!(Pin::new(&mut forwarded).poll(&mut Context::from_waker(&task_waker)).is_pending());
        // The timer fires and wakes the waker it kept, from the first poll.
        done.set(true);
        kept.borrow().as_ref().expect("a kept waker").wake_by_ref();
        assert_eq!(task.0.load(Ordering::SeqCst), 1, "the task was not woken");
        assert!(Pin::new(&mut forwarded).poll(&mut Context::from_waker(&task_waker)).is_ready());
    }
}
