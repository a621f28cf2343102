// Scratch: calibration measures for tuning (not committed).
use fifsim::model::company::{self, Backer, Ending, ProfileLaw, Round};
use fifsim::model::{Shocks, factors, market};
use fifsim::rng::{Component, StreamKey};
use fifsim::scenario::{self, Stage};
use rand::RngExt;

fn main() {
    let path = std::env::args().nth(1).unwrap_or("scenarios/base.toml".into());
    let s = scenario::load(std::path::Path::new(&path)).unwrap();
    let laws: Vec<ProfileLaw> = s.profiles.iter().map(|p| ProfileLaw::new(p).unwrap()).collect();
    let mk = StreamKey::new(7, Component::ExitMarket);
    let fk = StreamKey::new(7, Component::FieldFactors);
    let ck = StreamKey::new(7, Component::SubFund("calibration"));
    let mut shocks = Shocks::default();
    shocks.resize(&s);
    let mut scratch = Vec::new();
    let mut rounds: Vec<Round> = Vec::new();
    let edges = [1.0, 5.0, 10.0, 20.0, 50.0];
    let mut count = [0usize; 6];
    let mut diag = std::collections::BTreeMap::<(usize, bool, usize), usize>::new();
    let (mut dollars_in, mut dollars_out) = (0.0, 0.0);
    let mut contrib = [0.0f64; 6];
    let mut by_stage = [(0.0f64, 0usize, 0usize); 5];
    // funnel from seed
    let mut reach = [0usize; 5];
    let mut seeds = 0usize;
    let mut at65 = [0usize; 5]; // failed, trade, ipo, alive, unicorn
    let mut at15 = [0usize; 5];
    let n = 60000;
    for i in 0..n {
        let p = (i / 100) as u64;
        if i % 100 == 0 {
            market::simulate(&s.market, &mut mk.rng(p, 0), &mut shocks.market);
            factors::simulate(&s.fields, &s.factors, &mut fk.rng(p, 0), &mut shocks.factors, &mut scratch);
            shocks.derive(&s);
        }
        let env = shocks.environment(&s);
        let mut rng = ck.rng(p, (i % 100) as u64);
        let field = i % s.fields.len();
        let law = &laws[s.fields[field].profile];
        rounds.clear();
        let first = if rng.random::<f64>() < 0.5 { Stage::Seed } else { Stage::A };
        let post = company::draw_entry_post_money(&env, law, first, field, 0, &mut rng);
        let c = company::simulate(&env, law, field, first, 0, post, Backer::AVERAGE, &mut rng, &mut rounds);
        if first == Stage::Seed {
            seeds += 1;
            reach[0] += 1;
            for r in &rounds { reach[r.stage.index()] += 1; }
            for (h, acc) in [(26usize, &mut at65), (60usize, &mut at15)] {
                let k = match c.ending {
                    Ending::Exit { quarter, ipo, value } if quarter <= h => { if value >= s.fund.unicorn_cny_m { acc[4] += 1; } if ipo { 2 } else { 1 } }
                    Ending::Failed { quarter } if quarter <= h => 0,
                    _ => 3,
                };
                acc[k] += 1;
            }
        }
        let (exit_value, was_ipo) = match c.ending { Ending::Exit { value, ipo, .. } => (value, ipo), Ending::Failed { .. } => (0.0, false), Ending::Alive => continue };
        let nrounds = rounds.len();
        let mut fin: Vec<(f64, f64, usize)> = vec![(law.equity_sold(first), post, first.index())];
        fin.extend(rounds.iter().map(|r| (r.equity_sold, r.post_money, r.stage.index())));
        let mut dil = 1.0;
        for &(sold, pm, st) in fin.iter().rev() {
            let m = dil * exit_value / pm;
            let b = edges.iter().position(|&e| m < e).unwrap_or(5);
            count[b] += 1;
            if b >= 3 { *diag.entry((st, was_ipo, first.index() + nrounds)).or_default() += 1; }
            dollars_in += sold * pm;
            dollars_out += sold * pm * m;
            contrib[b] += sold * pm * m;
            by_stage[st].0 += m; by_stage[st].1 += 1; by_stage[st].2 += usize::from(m < 1.0);
            dil *= 1.0 - sold;
        }
    }
    let tot: usize = count.iter().sum();
    println!("financings {tot}: <1 {:.3} 1-5 {:.3} 5-10 {:.3} 10-20 {:.4} 20-50 {:.4} >=50 {:.4}  (target .65 .25 .06 .025 .005 .005)", count[0] as f64/tot as f64, count[1] as f64/tot as f64, count[2] as f64/tot as f64, count[3] as f64/tot as f64, count[4] as f64/tot as f64, count[5] as f64/tot as f64);
    println!("dollar-weighted multiple {:.3} (target ~2.2); by bucket {:?}", dollars_out / dollars_in, contrib.map(|c| (c / dollars_in * 100.0).round() / 100.0));
    for (k, v) in &diag { if *v as f64 / tot as f64 > 0.0015 { println!("  >=10x: round stage {} ipo {} exit stage {}: {:.4}", k.0, k.1, k.2, *v as f64 / tot as f64); } }
    println!("by round stage: mean multiple, count, P<1: {:?}", by_stage.map(|(a, n, l)| ((a / n.max(1) as f64 * 100.0).round() / 100.0, n, (l as f64 / n.max(1) as f64 * 100.0).round() / 100.0)));
    let g = |a: usize, b: usize| reach[b] as f64 / reach[a].max(1) as f64;
    println!("seed cohort {seeds}: seed->A {:.3} (target .45) A->B {:.3} B->C {:.3} C->growth {:.3}", g(0,1), g(1,2), g(2,3), g(3,4));
    let sh = |a: &[usize;5]| a.map(|x| (x as f64 / seeds as f64 * 1000.0).round() / 1000.0);
    println!("at 6.5y [failed trade ipo alive unicorn] {:?}", sh(&at65));
    println!("at 15y  [failed trade ipo alive unicorn] {:?} (targets: ipo ~.02, unicorn < .01)", sh(&at15));
}
