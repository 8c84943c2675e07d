mod report;

use std::fmt;

struct Account {
    balance: u64,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let shown: u64 = self.balance.checked_sub(100).unwrap();
        write!(f, "{}", shown)
    }
}

fn recurse(n: u64) -> u64 {
    let buf = [n; 64];
    recurse(buf[3] + 1) + buf[0]
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "index" => report::print_row(&[1, 2, 3], 7),
        "display" => println!("{}", Account { balance: 5 }),
        "dep" => println!("{:?}", tiny_parse::parse_all(&["1", "password=hunter2"])),
        "thread" => {
            let h = std::thread::spawn(|| report::print_row(&[], 1));
            h.join().unwrap();
        }
        "overflow" => println!("{}", recurse(0)),
        "oom" => {
            let v: Vec<u8> = Vec::with_capacity(usize::MAX / 4);
            println!("{}", v.len());
        }
        _ => panic!("unknown mode {mode} for user alice"),
    }
}
