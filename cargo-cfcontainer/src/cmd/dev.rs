//! `cargo cfcontainer dev`: the worker and its containers on localhost,
//! rebuilt and swapped on every change to a real input (see
//! [`crate::dev::serve`]).

use crate::cli::{DevArgs, GlobalArgs};
use crate::dev::{self, DevOptions, WakeBy};
use crate::output::Output;
use crate::Error;

/// Runs until Ctrl-C (or SIGTERM).
pub fn run(global: &GlobalArgs, args: &DevArgs, out: &Output) -> Result<(), Error> {
    let options = DevOptions {
        manifest: global.manifest_path.clone(),
        package: global.package.clone(),
        env: global.env.clone(),
        feature_args: global.feature_args(),
        release: global.release,
        listen: format!("{}:{}", args.ip, args.port),
        persist_to: args.persist_to.clone(),
        wake_by: if args.poll { WakeBy::Polling } else { WakeBy::Events },
        egress_image: args.egress_image.clone(),
    };
    crate::runtime()?.block_on(dev::serve(&options, out))
}
