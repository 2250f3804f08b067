//! The metadata model of one `#[container]` declaration.
//!
//! The proc macro builds a [`ContainerMeta`] from the attribute, encodes it
//! with [`encode_record`] and places the bytes in a link section named
//! [`SECTION`] of the compiled artifact. `cargo cfcontainer` reads that
//! section back with [`decode_records`], so what gets built and deployed is
//! exactly what the compiler saw (a container behind a disabled `cfg` never
//! reaches the artifact).
//!
//! ```
//! use cfcontainer_meta::{decode_records, encode_record, ContainerMeta};
//!
//! let meta = ContainerMeta::example("MyContainer");
//! let mut section = encode_record(&meta);
//! section.extend(encode_record(&ContainerMeta::example("Other")));
//! let back = decode_records(&section).unwrap();
//! assert_eq!(back.len(), 2);
//! assert_eq!(back[0], meta);
//! ```

mod duration;
mod host_pattern;
mod ident;
mod instance;
mod model;
mod placement;
mod record;
pub mod suggest;
pub mod wrangler;

pub use duration::{parse_duration, DurationError};
pub use host_pattern::host_pattern_problem;
pub use ident::{is_js_identifier, kebab_case, shouty_snake_case};
pub use instance::{InstanceType, NAMED_INSTANCE_TYPES};
pub use model::*;
pub use placement::{Constraints, SchedulingPolicy};
pub use record::{decode_records, encode_record, frames, RecordError, RECORD_MAGIC, SECTION};

/// Environment variables that hold Cloudflare account credentials, as the
/// official tools read them. No Worker secret may be named after one (its
/// value would be the credential), and `cargo cfcontainer` hands none of
/// them to the programs it runs.
pub const CREDENTIAL_VARS: &[&str] = &["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CF_API_TOKEN", "CF_API_KEY"];

/// What starts the console lines the runtime writes about a container's
/// lifecycle (`[cfcontainer] MyContainer started`, `... stopped with exit
/// code 0`, `... error: ...`), so `cargo cfcontainer logs` shows them as
/// such among the Worker's own lines.
pub const LIFECYCLE_PREFIX: &str = "[cfcontainer] ";
