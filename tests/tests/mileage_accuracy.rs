//! The mileage accuracy harness on a small fixed set (the full run is the `mileage_accuracy`
//! benchmark; docs/mileage.md): an urban and a winding drive of their own seed set (neither
//! tuned on nor held out), sampled every 1, 2 and 5 s with correlated noise of 10 m and
//! outliers, with and without Doppler speed, plus dead zones. Fails when a case with speed
//! misses its target beyond the chord floor, or when any case misses its target while the
//! recorder grades it good.

use uppsok_model::mileage::recorder::RecorderConfig;
use uppsok_tests::accuracy::{CaseSpec, TEST_OFFSET, build, routes, run};

#[test]
fn the_recorder_meets_its_targets_on_a_fixed_subset() {
    let routes = routes(TEST_OFFSET);
    let mut specs = Vec::new();
    for route in [0, 2] {
        for interval_s in [1, 2, 5] {
            for with_speed in [true, false] {
                specs.push(CaseSpec {
                    route,
                    interval_s,
                    sigma_m: 10.0,
                    with_speed,
                    gaps: 0,
                });
            }
        }
        specs.push(CaseSpec {
            route,
            interval_s: 1,
            sigma_m: 5.0,
            with_speed: true,
            gaps: 1,
        });
    }
    let mut failures = Vec::new();
    for spec in specs {
        let case = build(&routes, TEST_OFFSET, spec);
        let o = run(RecorderConfig::default(), &case);
        println!(
            "{:<44} error {:+6.2} % floor {:+6.2} % beyond {:+6.2} pt {:?}",
            case.name, o.error_pct, o.floor_pct, o.beyond_pct, o.summary.quality
        );
        if (spec.with_speed && !o.meets_target()) || o.unflagged_miss() {
            failures.push(format!(
                "{}: error {:+.2} %, floor {:+.2} %, target {:?}, graded {:?}",
                case.name, o.error_pct, o.floor_pct, o.target, o.summary.quality
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "targets missed:\n{}",
        failures.join("\n")
    );
}
