//! What a container application can cost, from Cloudflare's published
//! price list for Containers (Workers Paid plan), as a table rather than
//! a call: <https://developers.cloudflare.com/containers/platform/pricing/>.
//! Instances are billed for every 10 ms they run: memory and disk for
//! what the instance type provisions, CPU for what it uses. The monthly
//! amounts the plan includes (25 GiB-hours of memory, 375 vCPU-minutes,
//! 200 GB-hours of disk) and network egress are left out: these are
//! upper bounds for one hour, not a bill.

use cfcontainer_meta::InstanceType;
use serde::Serialize;

/// USD per GiB-second of memory.
const MEMORY_PER_GIB_SECOND: f64 = 0.000_002_5;
/// USD per vCPU-second of CPU in use.
const CPU_PER_VCPU_SECOND: f64 = 0.000_020;
/// USD per GB-second of disk.
const DISK_PER_GB_SECOND: f64 = 0.000_000_07;

/// The cost bounds of one application.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AppCost {
    /// USD per hour with `max_instances` instances running and busy.
    pub max_per_hour_usd: f64,
    /// Seconds an idle instance keeps running (`sleep_after`); `None` for
    /// a job, which runs until it exits.
    pub idle_secs: Option<u64>,
    /// USD one instance costs idling that long (memory and disk; idle CPU
    /// is not billed).
    pub idle_per_instance_usd: Option<f64>,
}

impl AppCost {
    /// The bounds of `max_instances` instances of `instance_type` that
    /// sleep after `sleep_after_secs` idle (`None`: a job).
    pub fn of(instance_type: &InstanceType, max_instances: u32, sleep_after_secs: Option<u64>) -> AppCost {
        let (vcpu, memory_mib, disk_mb) = instance_type.resources();
        let provisioned =
            f64::from(memory_mib) / 1024.0 * MEMORY_PER_GIB_SECOND + f64::from(disk_mb) / 1000.0 * DISK_PER_GB_SECOND;
        let busy = provisioned + vcpu * CPU_PER_VCPU_SECOND;
        AppCost {
            max_per_hour_usd: busy * 3600.0 * f64::from(max_instances),
            idle_secs: sleep_after_secs,
            idle_per_instance_usd: sleep_after_secs.map(|s| provisioned * s as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounds_follow_the_price_list_for_each_resource() {
        // standard-4 busy for an hour: 4 vCPU x $0.00002, 12 GiB x
        // $0.0000025, 20 GB x $0.00000007 per second.
        let big = AppCost::of(&InstanceType::named("standard-4").unwrap(), 1, None);
        assert!((big.max_per_hour_usd - (4.0 * 0.00002 + 12.0 * 0.0000025 + 20.0 * 0.00000007) * 3600.0).abs() < 1e-9);
        assert_eq!(big.idle_per_instance_usd, None, "a job does not idle");
        // lite: ten instances at most, three idle minutes: memory and disk only.
        let lite = AppCost::of(&InstanceType::named("lite").unwrap(), 10, Some(180));
        let per_second = 0.25 * 0.0000025 + 2.0 * 0.00000007;
        assert!((lite.idle_per_instance_usd.unwrap() - per_second * 180.0).abs() < 1e-12);
        assert!((lite.max_per_hour_usd - (per_second + 0.0625 * 0.00002) * 3600.0 * 10.0).abs() < 1e-9);
    }
}
