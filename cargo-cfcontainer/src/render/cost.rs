//! A container application's cost bounds as one line, for plans and
//! `status`.

use crate::deploy::cost::AppCost;

/// `at most $0.0145/h (2 instances); idle 3m per instance: $0.0001`.
pub fn cost(cost: &AppCost, max_instances: u32) -> String {
    let plural = if max_instances == 1 { "" } else { "s" };
    let mut text = format!("at most {}/h ({max_instances} instance{plural})", usd(cost.max_per_hour_usd));
    if let (Some(secs), Some(idle)) = (cost.idle_secs, cost.idle_per_instance_usd) {
        text.push_str(&format!("; idle {} per instance: {}", duration(secs), usd(idle)));
    }
    text
}

/// Dollars: cents from a dollar up, else three significant digits (costs
/// here are small).
fn usd(amount: f64) -> String {
    if amount >= 1.0 || amount <= 0.0 {
        return format!("${amount:.2}");
    }
    let decimals = (2 - amount.log10().floor() as i32).max(2) as usize;
    format!("${amount:.decimals$}")
}

/// `3m`, `90s`, `2h`.
fn duration(secs: u64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfcontainer_meta::InstanceType;

    #[test]
    fn the_line_names_the_hourly_bound_and_the_idle_cost_in_small_dollars() {
        let lite = AppCost::of(&InstanceType::named("lite").unwrap(), 10, Some(180));
        assert_eq!(cost(&lite, 10), "at most $0.0725/h (10 instances); idle 3m per instance: $0.000138");
        let job = AppCost::of(&InstanceType::named("standard-4").unwrap(), 1, None);
        assert_eq!(cost(&job, 1), "at most $0.401/h (1 instance)");
        assert_eq!((duration(90), duration(7200)), ("90s".to_string(), "2h".to_string()));
    }
}
