// Scratch: sub-fund gross/net diagnostics (not committed).
use fifsim::model::fund::{PathState, Simulator};
use fifsim::scenario;
fn q(v: &mut Vec<f64>, p: f64) -> f64 { v.sort_by(f64::total_cmp); v[((v.len() - 1) as f64 * p) as usize] }
fn main() {
    let path = std::env::args().nth(1).unwrap_or("scenarios/base.toml".into());
    let s = scenario::load(std::path::Path::new(&path)).unwrap();
    let sim = Simulator::new(&s, 5).unwrap();
    let mut st = PathState::default();
    let (mut gross, mut net, mut called, mut held_end, mut ncomp) = (vec![], vec![], vec![], vec![], vec![]);
    let mut life = vec![];
    for p in 0..1500 {
        sim.simulate_path(p, &mut st);
        for (o, spec) in st.subfunds.iter().zip(&s.subfunds) {
            let b = &o.book;
            gross.push((b.proceeds_total) / b.cost);
            net.push(o.lp_distributions / o.calls);
            called.push(o.calls / (spec.commitment_cny_m / spec.fund_share));
            held_end.push(b.counts.backed as f64 - b.counts.resolved as f64);
            ncomp.push(b.counts.backed as f64);
            life.push((o.end - spec.vintage) as f64 / 4.0);
        }
    }
    let m = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    println!("gross  mean {:.3} p25 {:.3} med {:.3} p75 {:.3} P<1 {:.3}", m(&gross), q(&mut gross.clone(), 0.25), q(&mut gross.clone(), 0.5), q(&mut gross.clone(), 0.75), gross.iter().filter(|&&x| x < 1.0).count() as f64 / gross.len() as f64);
    println!("net LP mean {:.3} p25 {:.3} med {:.3} p75 {:.3} P<1 {:.3}", m(&net), q(&mut net.clone(), 0.25), q(&mut net.clone(), 0.5), q(&mut net.clone(), 0.75), net.iter().filter(|&&x| x < 1.0).count() as f64 / net.len() as f64);
    println!("called/size mean {:.3}; companies {:.1}; life years mean {:.2} med {:.2}", m(&called), m(&ncomp), m(&life), q(&mut life.clone(), 0.5));
}
