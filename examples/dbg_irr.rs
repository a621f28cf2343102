fn main() {
    let scenario = {
        let mut s = fifsim::scenario::load(std::path::Path::new("scenarios/base.toml")).unwrap();
        s.subfunds.clear();
        s
    };
    let _ = scenario;
    // flows: -1 each quarter 0..20, +1.5 at q+4
    let mut flows = vec![0.0; 61];
    for q in 0..20 { flows[q] -= 1.0 + (q as f64)*0.1; flows[q+4] += 1.5 * (1.0 + (q as f64)*0.1); }
    println!("{:?}", fifsim::metrics::irr::irr(&flows));
}
