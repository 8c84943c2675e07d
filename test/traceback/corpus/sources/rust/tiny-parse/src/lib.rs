pub struct Parser {
    pub input: String,
}

impl Parser {
    pub fn number(&self) -> u32 {
        self.input.trim().parse().expect("not a number")
    }
}

pub fn parse_all(items: &[&str]) -> Vec<u32> {
    items.iter().map(|s| Parser { input: s.to_string() }.number()).collect()
}
